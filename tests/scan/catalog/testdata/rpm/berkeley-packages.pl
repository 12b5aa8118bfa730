# Writes a real BerkeleyDB hash database, as rpm's bdb backend did, with libdb 5.3 through Perl's DB_File:
# key = the package's instance number (4 bytes, database byte order), value = its header blob.
# Usage: perl berkeley-packages.pl OUT PAGESIZE LORDER(1234|4321) BLOB...
use strict; use warnings; use DB_File; use Fcntl;
my ($out, $psize, $lorder, @blobs) = @ARGV;
my $info = DB_File::HASHINFO->new();
$info->{bsize} = $psize; $info->{lorder} = $lorder;
my %h; tie %h, 'DB_File', $out, O_RDWR|O_CREAT, 0644, $info or die "tie: $!";
my $n = 0;
for my $f (@blobs) { open my $fh, '<:raw', $f or die; local $/; my $b = <$fh>; $n++; $h{pack($lorder == 4321 ? "N" : "V", $n)} = $b; }
untie %h;

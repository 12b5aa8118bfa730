"""The ecosystems' own comparators, run in one process per batch of pairs, for the property tests."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

Pairs = Sequence[tuple[str, str]]


def need(program: str) -> str:
    """The path of `program`, or skip the test that needs it as a reference."""
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"reference program {program!r} is not installed")
    return path


@contextlib.contextmanager
def _alone(cache_dir: Path) -> Iterator[None]:
    """Hold `cache_dir`'s lock: parallel test workers (pytest-xdist) share the cache, and two of them
    installing or building into it at once would see each other's half-written files."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _run(argv: list[str], stdin: str = "", timeout: float = 120) -> str:
    return subprocess.run(
        argv, input=stdin, capture_output=True, text=True, check=True, timeout=timeout
    ).stdout


_DPKG_LOOP = """
while IFS='\t' read -r a b; do
  if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then echo -1
  elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo 0
  else echo 1; fi
done
"""


def dpkg_compare(pairs: Pairs, workers: int = 4) -> list[int]:
    """`dpkg --compare-versions` on each pair, in a few shell loops run side by side."""
    need("dpkg")
    chunks = [pairs[i::workers] for i in range(workers)]
    procs = [
        subprocess.Popen(["sh", "-c", _DPKG_LOOP], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in chunks
    ]
    outs = [
        p.communicate("".join(f"{a}\t{b}\n" for a, b in c))[0].split()
        for p, c in zip(procs, chunks, strict=True)
    ]
    result = [0] * len(pairs)
    for w, out in enumerate(outs):
        for j, r in enumerate(out):
            result[w + j * workers] = int(r)
    return result


def rpm_compare(pairs: Pairs) -> list[int]:
    """rpm's own `rpm.vercmp` (EVR-aware) on each pair, in one `rpm --eval` Lua loop."""
    need("rpm")
    for a, b in pairs:
        assert "]==]" not in a + b
    table = ",".join(f"{{[==[{a}]==],[==[{b}]==]}}" for a, b in pairs)
    script = f"local t={{{table}}}\nlocal o={{}}\nfor i,p in ipairs(t) do o[i]=rpm.vercmp(p[1],p[2]) end\n"
    script += 'print(table.concat(o," "))\n'
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as f:
        f.write(script)
        f.flush()
        out = _run(["rpm", "--eval", f"%{{lua: dofile('{f.name}')}}"])
    return [int(x) for x in out.split()]


_RUBY = """
STDIN.each_line do |l|
  a, b = l.chomp.split("\\t", -1)
  puts(Gem::Version.new(a) <=> Gem::Version.new(b))
end
"""


def ruby_compare(pairs: Pairs) -> list[int]:
    """`Gem::Version#<=>` on each pair, in one ruby process."""
    need("ruby")
    out = _run(["ruby", "-e", _RUBY], "".join(f"{a}\t{b}\n" for a, b in pairs))
    return [int(x) for x in out.split()]


def _maven_jar() -> Path:
    for jar in sorted(Path("/usr/share/maven/lib").glob("maven-artifact*.jar")):
        return jar.resolve()
    pytest.skip("maven-artifact jar (ComparableVersion) not found under /usr/share/maven/lib")


def maven_compare(pairs: Pairs) -> list[int]:
    """ComparableVersion's own `main` on a1 b1 a2 b2 ...: it compares each version with the one before."""
    need("java")
    jar = _maven_jar()
    args = [v for pair in pairs for v in pair]
    out = _run(["java", "-cp", str(jar), "org.apache.maven.artifact.versioning.ComparableVersion", *args])
    ops = [line.split()[1] for line in out.splitlines() if line.startswith("   ")]
    assert len(ops) == len(args) - 1
    return [{"<": -1, "==": 0, ">": 1}[op] for op in ops[::2]]


def npm_semver(cache_dir: Path) -> Path:
    """npm's `semver` package, installed once into `cache_dir` (skips when npm or the registry is absent)."""
    need("node")
    module = cache_dir / "node_modules" / "semver"
    with _alone(cache_dir):
        if not (module / "package.json").exists():
            npm = need("npm")
            try:
                _run(
                    [npm, "install", "--no-audit", "--no-fund", "--prefix", str(cache_dir), "semver@7"],
                    timeout=180,
                )
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
                pytest.skip(f"cannot install npm's semver package: {e}")
    return module


_NODE = """
const semver = require(process.argv[1]);
const pairs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = pairs.map(([a, b]) => {
  if (semver.valid(a) === null || semver.valid(b) === null) return null;
  return semver.compare(a, b);
});
process.stdout.write(JSON.stringify(out));
"""


def semver_compare(module: Path, pairs: Pairs) -> list[int | None]:
    """npm `semver.compare` (strict) on each pair; None where either side is not valid to npm."""
    out = _run(["node", "-e", _NODE, str(module)], json.dumps(list(pairs)))
    result: list[int | None] = json.loads(out)
    return result


def semver_valid(module: Path, versions: Sequence[str]) -> list[bool]:
    """npm `semver.valid` (strict) on each version."""
    out = semver_compare(module, [(v, v) for v in versions])
    return [r is not None for r in out]


_GO_MAIN = """package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"ref/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		p := strings.SplitN(in.Text(), "\\t", 2)
		if !semver.IsValid(p[0]) || !semver.IsValid(p[1]) {
			fmt.Fprintln(out, "x")
			continue
		}
		fmt.Fprintln(out, semver.Compare(p[0], p[1]))
	}
}
"""


def go_semver(cache_dir: Path) -> Path:
    """A program comparing with golang.org/x/mod/semver, built once from the copy the Go toolchain ships."""
    go = need("go")
    with _alone(cache_dir):
        return _build_go_semver(go, cache_dir / "go-semver-compare")


def _build_go_semver(go: str, binary: Path) -> Path:
    if binary.exists():
        return binary
    goroot = Path(_run([go, "env", "GOROOT"]).strip())
    source = goroot / "src" / "cmd" / "vendor" / "golang.org" / "x" / "mod" / "semver" / "semver.go"
    if not source.exists():
        pytest.skip(f"the Go toolchain has no copy of x/mod/semver at {source}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "semver").mkdir()
        shutil.copy(source, work / "semver" / "semver.go")
        (work / "go.mod").write_text("module ref\n\ngo 1.19\n")
        (work / "main.go").write_text(_GO_MAIN)
        env = {**os.environ, "GOPROXY": "off", "GOFLAGS": "-mod=mod", "GO111MODULE": "on", "CGO_ENABLED": "0"}
        built = subprocess.run(
            [go, "build", "-o", str(binary), "."], cwd=work, env=env, capture_output=True, text=True
        )
        if built.returncode != 0:
            pytest.skip(f"cannot build the x/mod/semver reference: {built.stderr.strip()[:300]}")
    return binary


def go_compare(binary: Path, pairs: Pairs) -> list[int | None]:
    """x/mod/semver.Compare on each pair; None where either side is not valid to it."""
    out = _run([str(binary)], "".join(f"{a}\t{b}\n" for a, b in pairs))
    return [None if x == "x" else int(x) for x in out.split()]


_PHP = """<?php
require '/usr/share/php/Composer/Semver/autoload.php';
use Composer\\Semver\\VersionParser;
$p = new VersionParser();
while (($line = fgets(STDIN)) !== false) {
    [$a, $b] = explode("\\t", rtrim($line, "\\n"), 2);
    try {
        $na = $p->normalize($a);
        $nb = $p->normalize($b);
    } catch (UnexpectedValueException $e) {
        echo "x\\n";
        continue;
    }
    if (str_starts_with($na, 'dev-') || str_starts_with($nb, 'dev-')) {
        echo "x\\n";
        continue;
    }
    echo version_compare($na, $nb), "\\n";
}
"""


def composer_compare(pairs: Pairs) -> list[int | None]:
    """Composer's VersionParser::normalize, then PHP's version_compare (as Composer's Comparator does)."""
    need("php")
    if not Path("/usr/share/php/Composer/Semver/autoload.php").exists():
        pytest.skip("Composer's semver library (Debian php-composer-semver) is not installed")
    with tempfile.NamedTemporaryFile("w", suffix=".php") as f:
        f.write(_PHP)
        f.flush()
        out = _run(["php", f.name], "".join(f"{a}\t{b}\n" for a, b in pairs))
    return [None if x == "x" else int(x) for x in out.split()]


_RUBY_VALID = """
STDIN.each_line do |l|
  puts(Gem::Version.correct?(l.chomp) ? 1 : 0)
end
"""


def ruby_valid(versions: Sequence[str]) -> list[bool]:
    """`Gem::Version.correct?` on each version, in one ruby process."""
    need("ruby")
    out = _run(["ruby", "-e", _RUBY_VALID], "".join(f"{v}\n" for v in versions))
    return [x == "1" for x in out.split()]


def dpkg_valid(versions: Sequence[str]) -> list[bool]:
    """`dpkg --validate-version` on each version (strict: a version must start with a digit)."""
    need("dpkg")
    loop = (
        'while IFS= read -r v; do dpkg --validate-version -- "$v" >/dev/null 2>&1 && echo 1 || echo 0; done'
    )
    out = _run(["sh", "-c", loop], "".join(f"{v}\n" for v in versions))
    return [x == "1" for x in out.split()]

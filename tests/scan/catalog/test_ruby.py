"""ruby cataloger over real gemspecs copied from Debian 12's ruby3.1.

Source: `/usr/lib/ruby/gems/3.1.0/specifications` on this machine.
"""

from __future__ import annotations

from openhss.scan.catalog.ruby import CATALOGER
from tests.scan.catalog.catalog_files import TESTDATA, as_layer_file, fixture_file


def test_claims_installed_specifications_only() -> None:
    assert CATALOGER.claims("usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec", 0o644, 1)
    assert CATALOGER.claims("var/lib/gems/3.1.0/specifications/default/json-2.6.1.gemspec", 0o644, 1)
    assert not CATALOGER.claims("srv/app/myapp.gemspec", 0o644, 1)
    assert not CATALOGER.claims("var/lib/gems/3.1.0/gems/rake-13.0.6/rake.gemspec", 0o644, 1)


def test_reads_real_gemspecs() -> None:
    found = {}
    for source in sorted((TESTDATA / "ruby").rglob("*.gemspec")):
        relative = str(source.relative_to(TESTDATA))
        assert CATALOGER.claims(relative.split("/", 1)[1], 0o644, 1)
        for component in CATALOGER.analyze(fixture_file(relative)):
            found[component.name] = component
    assert sorted((c.name, c.version) for c in found.values()) == [
        ("json", "2.6.1"),
        ("rake", "13.0.6"),
        ("test-unit", "3.5.3"),
    ]
    assert found["rake"].purl == "pkg:gem/rake@13.0.6"
    assert found["rake"].licenses == ("MIT",)
    assert found["test-unit"].licenses == ("Ruby", "BSDL", "PSFL")
    assert found["json"].path == "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"


def test_other_spellings_and_garbage() -> None:
    spec = (
        b"Gem::Specification.new do |spec|\n  spec.name    = 'nokogiri'\n"
        b"  spec.version = Gem::Version.new(\"1.15.5\")\n  spec.license = 'MIT'\nend\n"
    )
    (component,) = CATALOGER.analyze(as_layer_file("specifications/nokogiri-1.15.5.gemspec", spec))
    assert (component.name, component.version, component.licenses) == ("nokogiri", "1.15.5", ("MIT",))
    assert CATALOGER.analyze(as_layer_file("specifications/x.gemspec", b"\xff\xfe\x00")) == []

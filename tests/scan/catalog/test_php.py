"""php cataloger over hand-written `installed.json` files following Composer's format.

`var/www/html` is the Composer 2 shape (`{"packages": [...], "dev-package-names": [...]}`), `opt/legacy`
the Composer 1 shape (a bare list); entries are trimmed copies of what Composer writes for those packages.
"""

from __future__ import annotations

from openhss.scan.catalog.php import CATALOGER
from tests.scan.catalog.catalog_files import as_layer_file, fixture_file


def test_claims_installed_json_only() -> None:
    assert CATALOGER.claims("var/www/html/vendor/composer/installed.json", 0o644, 1)
    assert CATALOGER.claims("vendor/composer/installed.json", 0o644, 1)
    assert not CATALOGER.claims("var/www/html/composer.lock", 0o644, 1)
    assert not CATALOGER.claims("var/www/html/vendor/composer/installed.php", 0o644, 1)


def test_composer_2_format() -> None:
    found = CATALOGER.analyze(fixture_file("php/var/www/html/vendor/composer/installed.json"))
    assert [(c.name, c.version) for c in found] == [
        ("monolog/monolog", "3.5.0"),
        ("psr/log", "3.0.0"),
        ("phpunit/php-timer", "6.0.0"),
    ]
    assert found[0].purl == "pkg:composer/monolog/monolog@3.5.0"
    assert found[0].licenses == ("MIT",)
    assert found[2].licenses == ("BSD-3-Clause",)
    assert found[0].path == "var/www/html/vendor/composer/installed.json"


def test_composer_1_format() -> None:
    found = CATALOGER.analyze(fixture_file("php/opt/legacy/vendor/composer/installed.json"))
    assert [c.purl for c in found] == [
        "pkg:composer/guzzlehttp/guzzle@6.5.5",
        "pkg:composer/symfony/polyfill-mbstring@v1.19.0",
    ]


def test_malformed() -> None:
    path = "vendor/composer/installed.json"
    assert CATALOGER.analyze(as_layer_file(path, b'{"packages": [')) == []
    assert CATALOGER.analyze(as_layer_file(path, b'{"packages": 3}')) == []
    mixed = as_layer_file(path, b'[1, {"name": "a/b", "version": "1"}, {"name": "c/d"}]')
    assert [c.name for c in CATALOGER.analyze(mixed)] == ["a/b"]

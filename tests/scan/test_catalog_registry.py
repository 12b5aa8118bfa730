from openhss.scan.catalog import all_catalogers
from openhss.scan.interface import Cataloger


def test_every_cataloger_module_is_found_once() -> None:
    catalogers = all_catalogers()
    names = [c.name for c in catalogers]
    assert len(names) == len(set(names))
    assert all(isinstance(c, Cataloger) for c in catalogers)

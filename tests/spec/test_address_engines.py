"""The address matcher on every engine: Splink's stage runs on the engine's own backend, with
the dialect's word overlap, and must choose the same UPRNs."""

from __future__ import annotations

from tests.unit.test_address_match import match

from commonground.engines import Engine


def test_the_same_uprns_on_every_engine(engine: Engine) -> None:
    assert match(engine, ("1 Acacia Road", "CM1 1AA"), ("Flat 2, 14 Acacia Rd", "cm11aa"),
                 ("Flat 4, 14 Acacia Road", "CM1 1AA"), ("4 Acacia Road", "CM1 1AA"),
                 ("5 Acacia Road", "CM1 1AA"), ("2 Acacai Road", "CM1 1AA"),
                 ("3 Acacia Road", None), ("7 Mill Road", None)) == [
        "1", "12", None, "20", "21", "2", "3", None]

"""Checks of the official identifiers of an association: SIRET (INSEE) and RNA (répertoire des associations)."""

from __future__ import annotations

import re

RNA = re.compile(r"W[0-9]{9}")
# La Poste's establishments share one SIREN whose SIRETs do not follow the Luhn key (their digits add up
# to a multiple of 5 instead): INSEE's documented exception.
LA_POSTE_SIREN = "356000000"


def compact(value: str | None) -> str:
    """The identifier without the spaces, dots and dashes people type to make it readable."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_valid_siret(value: str) -> bool:
    """14 digits whose Luhn key is right (La Poste's establishments excepted, as INSEE does)."""
    if len(value) != 14 or not value.isascii() or not value.isdigit():
        return False
    if value.startswith(LA_POSTE_SIREN):
        return sum(int(char) for char in value) % 5 == 0
    return luhn_ok(value)


def is_valid_rna(value: str) -> bool:
    """``W`` and 9 digits, as the répertoire national des associations numbers them."""
    return bool(RNA.fullmatch(value))

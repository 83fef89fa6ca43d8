"""French company identifiers (SIREN, SIRET) and intra-EU VAT numbers, checked by python-stdnum.

One implementation for every service that stores them: the clients service for its company clients,
the orders service for the seller's invoicing profile.
"""

from __future__ import annotations

from types import ModuleType

from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat
from stdnum.fr import siren, siret

# Why a company identifier was refused, by the python-stdnum error that refused it.
IDENTIFIER_PROBLEMS = {
    stdnum_errors.InvalidLength: "has the wrong number of characters",
    stdnum_errors.InvalidFormat: "has characters it may not hold",
    stdnum_errors.InvalidChecksum: "has a wrong check digit or key",
    stdnum_errors.InvalidComponent: "does not start with the code of a European Union country",
}


def _identifier(value: str, module: ModuleType, example: str) -> str:
    # stdnum compacts the number first (spaces, dots, dashes, case), so what is stored is its compact form.
    try:
        return str(module.validate(value))
    except stdnum_errors.ValidationError as error:
        problem = next((text for kind, text in IDENTIFIER_PROBLEMS.items() if isinstance(error, kind)), "is not valid")
        raise ValueError(f"{problem}, e.g. {example}") from error


def check_siren(value: str | None) -> str | None:
    """A SIREN (9 digits, Luhn key) in its compact form."""
    return None if value is None else _identifier(value, siren, "732 829 320")


def check_siret(value: str | None) -> str | None:
    """A SIRET (the SIREN and a 5-digit establishment number, Luhn key) in its compact form."""
    return None if value is None else _identifier(value, siret, "732 829 320 00074")


def check_vat_number(value: str | None) -> str | None:
    """An intra-EU VAT number: its country prefix upper-case, then the country's own number, checked."""
    return None if value is None else _identifier(value, vat, "FR 40 303 265 045")

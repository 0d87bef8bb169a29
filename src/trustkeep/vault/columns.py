"""Mapping CSV header names to categories of the standard (pure code)."""

from __future__ import annotations

import re

from trustkeep.errors import CsvInputError, InvalidInput

# Common spellings of each default category; any category of the standard also
# matches its own name. `--map column=category` overrides, `column=-` ignores.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "email_address", "e_mail", "e_mail_address", "mail", "emailaddress"),
    "first_name": ("first_name", "firstname", "first", "given_name", "fname", "forename"),
    "last_name": ("last_name", "lastname", "last", "surname", "family_name", "lname"),
    "phone": ("phone", "phone_number", "mobile", "mobile_phone", "telephone", "tel"),
    "postal_address": ("postal_address", "address", "street", "street_address", "address1"),
    "postal_code": ("postal_code", "postcode", "zip", "zipcode", "zip_code"),
    "birth_date": ("birth_date", "birthdate", "date_of_birth", "dob", "birthday"),
    "ip_address": ("ip_address", "ip", "ipaddress", "signup_ip"),
    "purchase_history": ("purchase_history", "purchases", "orders", "order_history"),
    "loyalty_tier": ("loyalty_tier", "tier", "loyalty", "loyalty_level"),
    "signup_date": ("signup_date", "signed_up", "signup", "joined", "created_at", "opt_in_date"),
}
IGNORE = "-"


def canonical_header(name: str) -> str:
    """`E-Mail Address ` -> `e_mail_address`: lower case, words joined by `_`."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """`["Email Addr=email", "notes=-"]` -> {canonical column: category or "-"}."""
    overrides: dict[str, str] = {}
    for pair in pairs:
        column, sep, category = pair.partition("=")
        if not sep or not column.strip() or not category.strip():
            raise InvalidInput(f"--map expects column=category, got {pair!r}")
        overrides[canonical_header(column)] = category.strip()
    return overrides


def map_header(
    header: list[str], categories: list[str], overrides: dict[str, str]
) -> tuple[dict[int, str], list[str]]:
    """Column index -> category, and the header names left unmapped (not imported).

    Unmapped columns are never stored: a column nobody classified must not slip
    PII into the vault outside the standard.
    """
    known = set(categories)
    for column, category in overrides.items():
        if category != IGNORE and category not in known:
            raise InvalidInput(
                f"--map {column}={category}: {category!r} is not a category of the standard",
                hint="add it under standard.categories in trustkeep.yaml",
            )
    present = {canonical_header(raw) for raw in header}
    for column in overrides:
        if column not in present:
            raise CsvInputError(
                f"line 1: --map names column {column!r}, which the header does not have"
            )
    lookup: dict[str, str] = {}
    for category in categories:
        for alias in (category, *SYNONYMS.get(category, ())):
            lookup.setdefault(alias, category)
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(header):
        name = canonical_header(raw)
        target = overrides.get(name, lookup.get(name))
        if target is None or target == IGNORE:
            ignored.append(raw.strip() or f"column {index + 1}")
            continue
        if target in seen:
            raise CsvInputError(
                f"line 1: columns {seen[target]!r} and {raw.strip()!r} both map to {target}",
                hint="use --map to ignore one (column=-)",
            )
        seen[target] = raw.strip()
        mapping[index] = target
    if "email" not in mapping.values():
        raise CsvInputError(
            "line 1: no email column in the header",
            hint="name it `email` or pass --map COLUMN=email",
        )
    return mapping, ignored

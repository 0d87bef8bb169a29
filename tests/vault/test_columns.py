"""CSV header mapping: synonyms, --map overrides, ignored columns, refusals."""

from __future__ import annotations

import pytest

from trustkeep.errors import CsvInputError, InvalidInput
from trustkeep.vault.columns import canonical_header, map_header, parse_overrides

CATEGORIES = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "postal_address",
    "postal_code",
    "birth_date",
    "ip_address",
    "purchase_history",
    "loyalty_tier",
    "signup_date",
]


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("E-Mail Address ", "e_mail_address"),
        ("  First Name", "first_name"),
        ("ZIP", "zip"),
        ("__Phone__Number!!", "phone_number"),
        ("", ""),
    ],
)
def test_canonical_header(raw: str, canonical: str) -> None:
    assert canonical_header(raw) == canonical


@pytest.mark.parametrize(
    ("header_name", "category"),
    [
        ("E-Mail", "email"),
        ("Email Address", "email"),
        ("EMAIL", "email"),
        ("email", "email"),
        ("First Name", "first_name"),
        ("firstname", "first_name"),
        ("Surname", "last_name"),
        ("zip", "postal_code"),
        ("Zip Code", "postal_code"),
        ("Mobile Phone", "phone"),
        ("DOB", "birth_date"),
        ("Signup IP", "ip_address"),
    ],
)
def test_synonyms(header_name: str, category: str) -> None:
    header = [header_name] if category == "email" else ["email", header_name]
    mapping, ignored = map_header(header, CATEGORIES, {})
    assert category in mapping.values()
    assert mapping[len(header) - 1] == category
    assert ignored == []


def test_full_header_mapping() -> None:
    header = ["Customer ID", "E-Mail", "First Name", "Last Name", "zip", "Notes", "Phone Number"]
    mapping, ignored = map_header(header, CATEGORIES, {})
    assert mapping == {
        1: "email",
        2: "first_name",
        3: "last_name",
        4: "postal_code",
        6: "phone",
    }
    assert ignored == ["Customer ID", "Notes"]


def test_category_name_maps_itself_without_synonyms() -> None:
    mapping, ignored = map_header(["email", "Favourite Colour"], ["email", "favourite_colour"], {})
    assert mapping == {0: "email", 1: "favourite_colour"}
    assert ignored == []


def test_synonym_of_category_outside_the_standard_is_ignored() -> None:
    # `zip` means postal_code, but a standard without postal_code must not import it.
    mapping, ignored = map_header(["email", "zip"], ["email", "first_name"], {})
    assert mapping == {0: "email"}
    assert ignored == ["zip"]


def test_unknown_and_blank_columns_are_reported_as_ignored() -> None:
    mapping, ignored = map_header(["email", "Shoe Size", "  ", "Secret Notes "], CATEGORIES, {})
    assert mapping == {0: "email"}
    assert ignored == ["Shoe Size", "column 3", "Secret Notes"]


def test_parse_overrides() -> None:
    overrides = parse_overrides(["Contact Addr=email", "notes = -", " Given = first_name "])
    assert overrides == {"contact_addr": "email", "notes": "-", "given": "first_name"}


@pytest.mark.parametrize("pair", ["email", "=email", "col=", "  =  ", "col"])
def test_parse_overrides_refuses_malformed_pairs(pair: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        parse_overrides([pair])
    assert excinfo.value.exit_code == 2
    assert "column=category" in str(excinfo.value)


def test_override_maps_a_column() -> None:
    overrides = parse_overrides(["Contact Addr=email", "Given=first_name"])
    mapping, ignored = map_header(["Contact Addr", "Given", "Other"], CATEGORIES, overrides)
    assert mapping == {0: "email", 1: "first_name"}
    assert ignored == ["Other"]


def test_override_dash_ignores_a_known_column() -> None:
    overrides = parse_overrides(["phone=-", "First Name=-"])
    mapping, ignored = map_header(["email", "Phone", "First Name", "zip"], CATEGORIES, overrides)
    assert mapping == {0: "email", 3: "postal_code"}
    assert ignored == ["Phone", "First Name"]


def test_override_beats_synonym() -> None:
    overrides = parse_overrides(["mobile=last_name"])
    mapping, _ = map_header(["email", "Mobile"], CATEGORIES, overrides)
    assert mapping == {0: "email", 1: "last_name"}


def test_override_resolves_a_duplicate() -> None:
    header = ["Email", "Email Address"]
    with pytest.raises(CsvInputError):
        map_header(header, CATEGORIES, {})
    mapping, ignored = map_header(header, CATEGORIES, parse_overrides(["Email Address=-"]))
    assert mapping == {0: "email"}
    assert ignored == ["Email Address"]


@pytest.mark.parametrize(
    "header", [["First Name", "Last Name"], ["id", "contact"], ["Email Opt In"], [""]]
)
def test_header_without_email(header: list[str]) -> None:
    with pytest.raises(CsvInputError) as excinfo:
        map_header(header, CATEGORIES, {})
    assert "line 1" in str(excinfo.value)
    assert "email" in str(excinfo.value)
    assert excinfo.value.exit_code == 2


def test_email_ignored_by_override_leaves_no_email() -> None:
    with pytest.raises(CsvInputError) as excinfo:
        map_header(["email", "first_name"], CATEGORIES, parse_overrides(["email=-"]))
    assert "line 1" in str(excinfo.value)


@pytest.mark.parametrize(
    ("header", "overrides"),
    [
        (["Email", "E-Mail"], []),
        (["email", "First Name", "firstname"], []),
        (["email", "zip", "Postcode"], []),
        (["email", "Work Mail"], ["Work Mail=email"]),
    ],
)
def test_two_columns_for_one_category(header: list[str], overrides: list[str]) -> None:
    with pytest.raises(CsvInputError) as excinfo:
        map_header(header, CATEGORIES, parse_overrides(overrides))
    message = str(excinfo.value)
    assert "line 1" in message
    assert "both map to" in message
    assert "--map" in message  # the hint says how to resolve it


def test_override_to_unknown_category() -> None:
    overrides = parse_overrides(["Shoe Size=shoe_size"])
    with pytest.raises(InvalidInput) as excinfo:
        map_header(["email", "Shoe Size"], CATEGORIES, overrides)
    assert not isinstance(excinfo.value, CsvInputError)
    assert "shoe_size" in str(excinfo.value)
    assert "not a category" in str(excinfo.value)
    assert excinfo.value.exit_code == 2


def test_override_to_unknown_category_refused_even_if_column_absent() -> None:
    with pytest.raises(InvalidInput):
        map_header(["email"], CATEGORIES, parse_overrides(["nothing=ssn"]))

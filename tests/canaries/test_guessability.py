"""The guessability model: what a name-dictionary spammer reaches within the guess budget."""

from __future__ import annotations

import math
import re
import string
import time
from functools import cache
from importlib import resources
from pathlib import Path
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import spray
from trustkeep.canaries import guessability
from trustkeep.canaries.guessability import GUESS_BUDGET, Guessability, estimate, is_guessable

_TOKEN = r"(initial|year|first name #\d+|surname #\d+|\d+ random chars?|\d+ digits?|'[._+-]')"
DOC = Path(__file__).parents[2] / "docs" / "guessability.md"
# A parse is token kinds, ranks, lengths and separators: no room for a letter of the input.
PARSE = re.compile(rf"empty|brute force, \d+ random chars?|{_TOKEN}( \+ {_TOKEN})*")


@cache
def _spray(limit: int) -> list[str]:
    return spray.dictionary(limit)


def _guesses(local_part: str) -> float:
    return estimate(local_part).guesses


# -- what is and is not guessable ---------------------------------------------------------


@pytest.mark.parametrize(
    "local_part",
    ["jsmith", "smithj", "j.smith", "john.smith", "john_smith", "johnsmith", "maria", "smith",
     "maria1984", "john84", "mgarcia", "garcia.maria", "nlaurent", "JSmith"],
)  # fmt: skip
def test_common_name_patterns_are_guessable(local_part: str) -> None:
    assert is_guessable(_guesses(local_part)), estimate(local_part)


@pytest.mark.parametrize(
    "local_part",
    ["jsmithqx7", "qzvtrk123", "qzvtrk1234", "qzvtrk98765", "x9k2m4q7z1ab", "zq4vtrk9m"],
)
def test_random_local_parts_are_unguessable(local_part: str) -> None:
    assert not is_guessable(_guesses(local_part)), estimate(local_part)


def test_random_twelve_characters_are_never_guessable() -> None:
    rng = Random(12)
    alphabet = string.ascii_lowercase + string.digits
    for _ in range(300):
        local_part = "".join(rng.choice(alphabet) for _ in range(12))
        assert not is_guessable(_guesses(local_part)), (local_part, estimate(local_part))


def test_short_local_parts_are_guessable_by_brute_force() -> None:
    # Four characters are 37**4 = 1.9M strings: any of them is within the budget.
    assert is_guessable(_guesses("q7x.")) and is_guessable(_guesses("zq7x"))
    assert not is_guessable(_guesses("zq7xv"))


def test_a_common_surname_is_reached_before_a_rare_one() -> None:
    assert _guesses("jsmith") < _guesses("jkowalczyk") < _guesses("jqzvtrkw")
    assert _guesses("mgarcia") < _guesses("mdurand")
    assert _guesses("maria.garcia") < _guesses("maria.durand")


def test_more_tokens_and_separators_cost_more() -> None:
    assert _guesses("smith") < _guesses("jsmith") < _guesses("j.smith")
    assert _guesses("maria") < _guesses("maria84") < _guesses("maria.garcia84")
    assert _guesses("maria1984") < _guesses("maria1884")  # 1884 is no birth year


def test_appending_random_letters_makes_it_harder() -> None:
    for local_part in _spray(3000):
        assert _guesses(local_part + "qzx") > _guesses(local_part), local_part


@given(
    st.text(alphabet="aeilmnorstjx19._-", max_size=14).map(lambda s: s + "n"),
    st.sampled_from("0123456789._-+"),
    st.text(max_size=10),
)
def test_appending_after_a_letter_never_lowers_the_estimate(
    head: str, first: str, tail: str
) -> None:
    # A suffix that starts with a digit or separator cannot complete a name in the
    # head, so every parse of the longer string contains a parse of the head.
    assert _guesses(head + first + tail) >= _guesses(head) * (1 - 1e-9)


# -- the worked examples of docs/guessability.md ------------------------------------------


@pytest.mark.parametrize(
    ("local_part", "guesses", "parse"),
    [
        ("cmoreau", 109_460, "initial + surname #421"),
        ("claire.moreau", 7_594_840, "first name #451 + '.' + surname #421"),
        ("tomas.novak84", 2_274_160_000, "first name #217 + '.' + surname #262 + 2 digits"),
    ],
)
def test_documented_examples(local_part: str, guesses: int, parse: str) -> None:
    result = estimate(local_part)
    assert result.guesses == pytest.approx(guesses)
    assert result.parse == parse
    assert f"**{guesses:,}**" in DOC.read_text(encoding="utf-8")


# -- the parse never shows the local part --------------------------------------------------


def test_parse_names_kinds_and_ranks_not_the_name() -> None:
    for local_part in ("nlaurent", "laurent.n", "n.laurent1984", "laurentqx"):
        parse = estimate(local_part).parse
        assert "laur" not in parse and PARSE.fullmatch(parse), parse


def test_parse_of_every_sprayed_guess_is_only_kinds_and_ranks() -> None:
    for local_part in _spray(5000):
        parse = estimate(local_part).parse
        assert PARSE.fullmatch(parse), (local_part, parse)


@given(st.text(max_size=40))
def test_any_text_gets_an_estimate(text: str) -> None:
    result = estimate(text)
    assert result.guesses >= 1
    assert result.log10 >= 0
    assert PARSE.fullmatch(result.parse), result.parse


def test_empty_and_huge_local_parts() -> None:
    assert estimate("") == Guessability(1.0, "empty")
    assert math.isinf(_guesses("q" * 500))
    assert not is_guessable(_guesses("q" * 500))


# -- folding -------------------------------------------------------------------------------


def test_case_and_accents_fold_but_a_tag_is_kept() -> None:
    assert estimate("José.García") == estimate("jose.garcia")
    assert estimate("Jose\u0301.GARCIA") == estimate("jose.garcia")
    assert estimate("Ｊｏｈｎ．ｓｍｉｔｈ") == estimate("john.smith")
    assert _guesses("john.smith+news") > _guesses("john.smith")


def test_characters_without_ascii_form_are_brute_forced() -> None:
    assert "random char" in estimate("李小龙").parse
    assert _guesses("marie✓") > _guesses("marie")


# -- the DP against an exhaustive reference ------------------------------------------------


def _reference_log10(text: str) -> float:
    """Every split of every segment tried, with the module's constants: the slow truth."""
    names = guessability._names().best  # the model's own lists

    def token(piece: str) -> float:
        costs = [len(piece) * math.log10(guessability.BRUTE_SYMBOLS)]
        if piece in names:
            costs.append(names[piece][0])
        if len(piece) == 1 and piece.isalpha():
            costs.append(math.log10(26))
        if piece.isdigit():
            costs.append(float(len(piece)))
            if len(piece) == 4 and 1930 <= int(piece) <= 2029:
                costs.append(2.0)
        return min(costs)

    @cache
    def split(segment: str) -> float:
        if not segment:
            return 0.0
        return min(token(segment[:k]) + 1 + split(segment[k:]) for k in range(1, len(segment) + 1))

    segments = re.split(r"[._+-]", text)
    total = sum(split(s) for s in segments) + (len(segments) - 1) * math.log10(4)
    total -= 1 if any(segments) else 0
    brute = math.log10(sum(37**n for n in range(1, len(text) + 1))) if text else 0.0
    return max(min(total, brute), 0.0)


@given(st.text(alphabet="aeilmnorstjkx0123489._-", max_size=16))
def test_dp_finds_the_cheapest_parse(text: str) -> None:
    assert estimate(text).log10 == pytest.approx(_reference_log10(text), abs=1e-9)


# -- data, budget, speed -------------------------------------------------------------------


@pytest.mark.parametrize("filename", sorted(guessability.DATA_FILES.values()))
def test_bundled_lists_are_folded_unique_and_sized(filename: str) -> None:
    data = resources.files("trustkeep.canaries").joinpath("data", filename)
    names = data.read_text(encoding="ascii").splitlines()
    assert 5_000 <= len(names) <= 30_000
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z]{2,}", name) for name in names)


def test_budget_boundary_and_log10() -> None:
    assert GUESS_BUDGET == 10_000_000
    assert is_guessable(GUESS_BUDGET) and not is_guessable(GUESS_BUDGET + 1)
    assert is_guessable(500, budget=500) and not is_guessable(501, budget=500)
    assert Guessability(1000.0, "year").log10 == pytest.approx(3)


def test_estimate_is_fast() -> None:
    local_parts = ["jsmith", "john.smith84", "nlaurent", "anne-marie.dupont", "x9k2m4q7z1ab"]
    estimate("warm.up")  # the lists load once
    start = time.perf_counter()
    for _ in range(400):
        for local_part in local_parts:
            estimate(local_part)
    per_call = (time.perf_counter() - start) / (400 * len(local_parts))
    assert per_call < 200e-6, f"{per_call * 1e6:.0f} µs per estimate"


# -- an independent attacker ---------------------------------------------------------------


def test_spray_is_distinct_ordered_and_from_the_census() -> None:
    top = _spray(100_000)
    assert len(top) == len(set(top)) == 100_000
    assert spray.dictionary(1000) == top[:1000]
    assert spray.first_names(3) == ["james", "john", "robert"]
    assert spray.surnames(3) == ["smith", "johnson", "williams"]
    assert {"jsmith", "john.smith", "james", "john1970"} <= set(top)
    assert spray.dictionary(1000, seed=1) != top[:1000]


def test_the_model_calls_an_independent_attackers_first_guesses_guessable() -> None:
    top = _spray(100_000)
    share = sum(is_guessable(_guesses(local_part)) for local_part in top) / len(top)
    print(f"share of spray's first {len(top):,} guesses the model calls guessable: {share:.3f}")
    assert share >= 0.8
    assert all(is_guessable(_guesses(local_part)) for local_part in top[:5000])

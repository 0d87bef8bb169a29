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
from hypothesis import example, given
from hypothesis import strategies as st

import spray
from trustkeep.canaries import guessability
from trustkeep.canaries.guessability import GUESS_BUDGET, Guessability, estimate, is_guessable

_TOKEN = (
    r"(initial|year|name-like word|first name #\d+|surname #\d+"
    r"|\d+ random chars?|\d+ digits?|'[._+-]')"
)
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
    ["qzvtrk123", "qzvtrk1234", "qzvtrk98765", "x9k2m4q7z1ab", "zq4vtrk9m", "a7ke9mo2xu4z"],
)
def test_random_local_parts_are_unguessable(local_part: str) -> None:
    # Random letters stay expensive only where no name-like word can absorb them:
    # runs without a vowel (qzvtrk) or broken up by digits (a7ke9mo2xu4z).
    assert not is_guessable(_guesses(local_part)), estimate(local_part)


def test_random_twelve_characters_with_digits_mixed_in_are_never_guessable() -> None:
    # A digit at every third place leaves no run of three letters, so no name-like
    # word: none of 20,000 such strings of 8, 9, 10 or 12 characters was guessable
    # (2 % of 6-character ones are).
    rng = Random(12)
    alphabet = string.ascii_lowercase + string.digits
    for _ in range(300):
        local_part = "".join(
            rng.choice(string.digits if k % 3 == 2 else alphabet) for k in range(12)
        )
        assert not is_guessable(_guesses(local_part)), (local_part, estimate(local_part))


def test_a_random_string_is_only_guessable_through_a_name_like_word() -> None:
    # By design (see the module docstring), 3 to 15 random letters with a vowel are a
    # name-like word of 1,000 guesses: about 6 % of uniformly random 12-character
    # [a-z0-9] strings are guessable now (under 2 % at 16, 0.15 % at 20). Each
    # of them owes it to a name-like word; the other tokens keep random text expensive.
    rng = Random(12)
    alphabet = string.ascii_lowercase + string.digits
    guessable = 0
    for _ in range(2000):
        local_part = "".join(rng.choice(alphabet) for _ in range(12))
        result = estimate(local_part)
        if is_guessable(result.guesses):
            guessable += 1
            assert "name-like word" in result.parse, (local_part, result)
    assert 0.02 < guessable / 2000 < 0.12


def test_a_name_like_word_costs_as_much_as_a_list_name_of_rank_ten_thousand() -> None:
    unknown = guessability.UNKNOWN_NAME_GUESSES**guessability.RANK_EXPONENT
    assert unknown == pytest.approx(1000)
    # Letters with a vowel, 3 to 15 long, whether or not they are a name.
    for word in ("qzvtrkwa", "cmoreau", "jsmithqx", "abcdefghijklmno", "yyy"):
        result = estimate(word)
        assert result.parse == "name-like word", (word, result)
        assert result.guesses == pytest.approx(unknown)
    # Not one: no vowel, too short, too long, or digits inside.
    assert "name-like word" not in estimate("qzvtrkw").parse
    assert "name-like word" not in estimate("zq").parse
    assert estimate("abcdefghijklmnop").guesses > unknown
    assert "name-like word" not in estimate("ab7cd").parse
    # A list name ranked beyond #10,000 (mildred is first name #13,155) costs no more.
    assert estimate("mildred").guesses == pytest.approx(unknown)
    # So a name with random letters appended is still guessable: a hit on such a
    # canary is weak evidence, the safe side.
    assert is_guessable(_guesses("jsmithqx7")), estimate("jsmithqx7")


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


def test_appending_random_characters_makes_it_harder() -> None:
    for local_part in _spray(3000):
        # A digit first: nothing in the guess can extend across it.
        assert _guesses(local_part + "7qx") > _guesses(local_part), local_part
        # Letters alone may be absorbed by a name-like word, at no extra cost (mildred,
        # mildredqzx) or even less (ed is first name #10,041, edqzx a name-like word):
        # that is the only way they fail to raise the estimate.
        longer = estimate(local_part + "qzx")
        if longer.guesses <= _guesses(local_part):
            assert longer.parse.endswith("name-like word"), (local_part, longer)


@given(
    st.text(alphabet="aeilmnorstjx19._-", max_size=14).map(lambda s: s + "n"),
    st.sampled_from("0123456789._-+"),
    st.text(max_size=10),
)
def test_appending_after_a_letter_never_lowers_the_estimate(
    head: str, first: str, tail: str
) -> None:
    # A suffix that starts with a digit or separator cannot complete a name or a
    # name-like word in the head, so every parse of the longer string contains a
    # parse of the head.
    assert _guesses(head + first + tail) >= _guesses(head) * (1 - 1e-9)


# -- the worked examples of docs/guessability.md ------------------------------------------


@pytest.mark.parametrize(
    ("local_part", "guesses", "parse"),
    [
        ("c.moreau", 19_332, "initial + '.' + surname #421"),
        ("cmoreau", 1_000, "name-like word"),
        ("claire.moreau", 72_767, "first name #451 + '.' + surname #421"),
        ("tomas.novak84", 5_891_023, "first name #217 + '.' + surname #262 + 2 digits"),
        ("claire.moreau84", 14_553_383, "first name #451 + '.' + surname #421 + 2 digits"),
        ("cmoreauqx7", 20_000, "name-like word + 1 digit"),
    ],
)
def test_documented_examples(local_part: str, guesses: int, parse: str) -> None:
    result = estimate(local_part)
    assert round(result.guesses) == guesses  # the document rounds to whole guesses
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


@cache
def _reference_ranks() -> dict[str, float]:
    """log10 guesses of each name, read from the data files afresh: rank ** 0.75, best rank."""
    costs: dict[str, float] = {}
    folder = resources.files("trustkeep.canaries").joinpath("data")
    for filename in guessability.DATA_FILES.values():
        names = folder.joinpath(filename).read_text(encoding="ascii").split()
        for rank, name in enumerate(names, start=1):
            costs[name] = min(costs.get(name, math.inf), 0.75 * math.log10(rank))
    return costs


def _reference_log10(text: str) -> float:
    """Every split of every segment tried, with the documented costs: the slow truth."""
    names = _reference_ranks()
    token_cost = math.log10(2)  # each token; the first one's is taken off below

    def token(piece: str) -> float:
        costs = [len(piece) * math.log10(37)]
        if piece in names:
            costs.append(names[piece])
        if 3 <= len(piece) <= 15 and piece.isalpha() and set(piece) & set("aeiouy"):
            costs.append(3.0)  # a name-like word: 10,000 ** 0.75 = 1,000 guesses
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
        return min(
            token(segment[:k]) + token_cost + split(segment[k:]) for k in range(1, len(segment) + 1)
        )

    segments = re.split(r"[._+-]", text)
    total = sum(split(s) for s in segments) + (len(segments) - 1) * math.log10(4)
    total -= token_cost if any(segments) else 0
    brute = math.log10(sum(37**n for n in range(1, len(text) + 1))) if text else 0.0
    return max(min(total, brute), 0.0)


@given(
    st.text(alphabet="aeilmnorstjkx0123489._-", max_size=20)
    | st.text(alphabet="aeyjlnqrstxz7.", max_size=24)  # long letter runs: name-like words
)
# The edges of a name-like word: 15 and 16 letters, y as the only vowel, no vowel.
@example("qzvtrkwaqzvtrkw")
@example("qzvtrkwaqzvtrkwx")
@example("xyz.zq")
@example("qzv7rkw")
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


def test_calibration_an_independent_attackers_first_million_guesses_are_guessable() -> None:
    # The calibration of RANK_EXPONENT, TOKEN_GUESSES and UNKNOWN_NAME_GUESSES: none of
    # the first million guesses of a dictionary built from other data (the census)
    # may be called unguessable, or a hit by that spammer would accuse a partner.
    # About 14 s (1.7 s to build the dictionary, ~12 µs per estimate); seeds 1 to 5
    # (other pattern mixes) give 0 as well.
    top = spray.dictionary(1_000_000, seed=0)
    beyond = [local_part for local_part in top if not is_guessable(_guesses(local_part))]
    assert beyond == [], (len(beyond), beyond[:10])


def test_a_differently_minded_attacker_is_covered_too() -> None:
    top = spray.dictionary(100_000, seed=1)
    assert all(is_guessable(_guesses(local_part)) for local_part in top)

"""How many guesses a name-dictionary spammer needs to hit a canary's local part.

A canary is only evidence if the mail it receives came from a leak: a spammer
who sprays `jsmith@`, `john.smith84@`, ... at a canary domain can hit a canary
by chance, and that hit would then wrongly name a partner. So each canary gets
an estimate of how far down a dictionary attacker's list its local part sits;
canaries within the `GUESS_BUDGET` are *guessable*, and their hits are weaker
evidence.

The model is zxcvbn's, cut down to names (see docs/guessability.md):

- the local part is case-folded and NFKD-folded to ASCII letters, digits and
  the separators `._-+`, as canary local parts are rendered; a character with
  no ASCII form can only be brute-forced. A `+tag` is not stripped here.
- it is split on separators; each separator costs `SEPARATOR_GUESSES` (the
  attacker also has to pick it among `._-+`).
- each segment is split into tokens by dynamic programming, minimising the
  product of the tokens' guesses. A first name or a surname of rank r in the
  bundled lists (most popular first) costs r**`RANK_EXPONENT` (0.75), not r:
  another source may rank a name far higher than ours. A *name-like word* -- 3
  to 15 letters with a vowel (a, e, i, o, u, y) -- costs
  `UNKNOWN_NAME_GUESSES`**0.75 = 1,000, as a list name of rank 10,000 does: an
  attacker's surname list may hold names ours lacks, so no name-shaped word
  costs more than that, whether the lists lack it or rank it lower. A single
  letter (an initial) costs 26, a birth year 1930-2029 or two digits 100,
  other digits 10**n, anything else 37**n (brute force).
- every token after the first multiplies by `TOKEN_GUESSES` (2, set by the
  calibration below): the attacker does not know which of the usual patterns
  (first, flast, first.last, first84, lastf, ...) a domain's addresses follow
  and must spread the guesses over them.
- the estimate is the cheaper of that parse and brute force of the whole
  local part (all strings of length 1..L over 37 symbols), and at least 1.

These choices err towards *guessable*, the safe side: a guessable canary's
hit is weak evidence, an unguessable one's accuses a partner. They are
calibrated so that none of the first million guesses of an independent
census-based dictionary (tests/spray.py) is estimated beyond the budget.
A consequence: any run of 3 to 15 letters with a vowel, random or not, is a
cheap name-like word, so a random local part is reliably unguessable only
when digits break its letters into runs too short for that.

Everything is summed in log10 space, so the product never overflows while
the DP runs. The name lists load once, on first use.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from trustkeep.canaries.patterns import fold

__all__ = ["GUESS_BUDGET", "Guessability", "estimate", "is_guessable"]

GUESS_BUDGET = 10_000_000
TOKEN_GUESSES = 2  # per token beyond the first: which of the usual patterns
# Name ranks differ between sources (one list's #1,600 is another's #20): an
# attacker's list may rank a name far higher than ours. A name of rank r
# therefore costs r**RANK_EXPONENT guesses, not r. Calibrated against an
# independent source (tests/spray.py, the 1990 US Census lists): with 0.75, none
# of the first million guesses of that dictionary is ranked beyond the budget.
RANK_EXPONENT = 0.75
SEPARATOR_GUESSES = 4  # per separator: which of `._-+` (or none) joins the tokens
INITIAL_GUESSES = 26
YEAR_GUESSES = 100  # a 4-digit birth year within YEARS
# A name-like word (letters, a vowel, 3 to 15 long) that the bundled lists lack (or
# rank beyond this): an attacker's surname list may still hold it (public surname
# lists run to ~150,000 names), so it costs as much as a list name of this rank
# rather than brute force.
# Erring low keeps a canary named after a rare name from counting as unguessable.
UNKNOWN_NAME_GUESSES = 10_000
UNKNOWN_NAME_LENGTH = (3, 15)
YEARS = (1930, 2029)
BRUTE_SYMBOLS = 37  # a-z, 0-9, and one for the separators
DATA_FILES = {"first name": "guess_first_names.txt", "surname": "guess_surnames.txt"}

SEPARATORS = frozenset("._-+")
_OTHER = "\x00"  # stands for a character with no ASCII form: brute force only
_ASCII_OTHER = {c: _OTHER for c in range(128) if not (chr(c).isalnum() or chr(c) in SEPARATORS)}
_SPLIT = re.compile("([._+-])")
_LOG_TOKEN = math.log10(TOKEN_GUESSES)
_LOG_SEP = math.log10(SEPARATOR_GUESSES)
_LOG_BRUTE = math.log10(BRUTE_SYMBOLS)
_LOG_INITIAL = math.log10(INITIAL_GUESSES)
_LOG_YEAR = math.log10(YEAR_GUESSES)
_LOG_UNKNOWN = RANK_EXPONENT * math.log10(UNKNOWN_NAME_GUESSES)
_VOWELS = frozenset("aeiouy")
_LOG_MAX = math.log10(1.7e308)  # beyond a float: the estimate is infinite


@dataclass(frozen=True)
class Guessability:
    """A local part's estimated guesses and the cheapest way an attacker gets there."""

    guesses: float  # >= 1; math.inf for absurdly long local parts
    parse: str  # token kinds and ranks only: never the local part or its names

    @property
    def log10(self) -> float:
        """Order of magnitude of the guesses: easier to compare and to show than the count."""
        return math.log10(self.guesses)


@dataclass(frozen=True)
class _Names:
    """Each folded name's cheapest (log10 guesses, label); `ends` adds None for every suffix."""

    best: dict[str, tuple[float, str]]
    ends: dict[str, tuple[float, str] | None]  # a substring not in it ends no name


@cache
def _names() -> _Names:
    """Load the bundled lists once: a name in both lists keeps its better rank."""
    best: dict[str, tuple[float, str]] = {}
    folder = resources.files("trustkeep.canaries").joinpath("data")
    for kind, filename in DATA_FILES.items():
        text = folder.joinpath(filename).read_text(encoding="ascii")
        for rank, name in enumerate(text.split(), start=1):
            cost = RANK_EXPONENT * math.log10(rank)
            if name not in best or cost < best[name][0]:
                best[name] = (cost, f"{kind} #{rank}")
    ends: dict[str, tuple[float, str] | None] = {
        name[k:]: None for name in best for k in range(1, len(name) - 1)
    }
    ends.update(best)
    return _Names(best, ends)


def _fold(local_part: str) -> str:
    """Lower-case ASCII letters, digits and separators; `_OTHER` for what has no ASCII form.

    Letters fold as `patterns.fold` folds names into canary local parts, so
    a rendered canary and the name lists agree (`é` -> `e`, `ø` -> `o`);
    other characters keep what NFKD makes ASCII of them (fullwidth digits).
    """
    text = local_part.casefold()
    if text.isascii():
        return text.translate(_ASCII_OTHER)
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch if ch.isalnum() or ch in SEPARATORS else _OTHER)
        elif unicodedata.combining(ch):
            continue  # an accent typed apart from its letter: NFKD would drop it too
        else:
            nfkd = unicodedata.normalize("NFKD", ch)
            kept = "".join(c for c in nfkd if c.isascii() and (c.isalnum() or c in SEPARATORS))
            out.append(fold(ch, "ascii") or kept.lower() or _OTHER)
    return "".join(out)


_BRUTE, _DIGITS = "random char", "digit"  # labels that get the token's length


def _label(kind: str, length: int) -> str:
    if kind in (_BRUTE, _DIGITS):
        return f"{length} {kind}{'s' if length > 1 else ''}"
    return kind


def _segment(text: str) -> tuple[float, tuple[str, ...]]:
    """Cheapest tokenisation of one segment: log10 guesses (with token costs) and labels.

    `best[j]` is the cheapest parse of `text[:j]`. Names ending at j are looked
    up longest first until the substring is no name's suffix. Name-like words
    ending at j start within the letter run and at or before its last vowel.
    Digits (other than a year) and brute force cost a fixed amount per
    character, so the cheapest such token ending at j comes from a running
    minimum over where it starts, and the whole parse takes time linear in the
    segment's length.
    """
    n = len(text)
    names = _names()
    ends = names.ends
    low, high = UNKNOWN_NAME_LENGTH
    best = [0.0] * (n + 1)
    back: list[tuple[int, str]] = [(0, "")] * (n + 1)
    brute_min, brute_from = 0.0, 0  # min over i < j of best[i] - i*log10(37), and that i
    digit_min, digit_from = 0.0, 0  # min over i in this digit run of best[i] - i
    run_from, vowel_at = 0, -1  # start of the letter run ending at j; index of its last vowel
    for j in range(1, n + 1):
        ch = text[j - 1]
        cost, start, kind = brute_min + j * _LOG_BRUTE, brute_from, _BRUTE
        if ch.isalpha():
            if j == 1 or not text[j - 2].isalpha():
                run_from = j - 1
            if ch in _VOWELS:
                vowel_at = j - 1
            if best[j - 1] + _LOG_INITIAL < cost:
                cost, start, kind = best[j - 1] + _LOG_INITIAL, j - 1, "initial"
            name_cost, name_from, name_kind = math.inf, 0, ""
            i = j - 2
            while i >= 0 and (piece := text[i:j]) in ends:
                found = ends[piece]
                if found is not None and best[i] + found[0] <= name_cost:
                    name_cost, name_from, name_kind = best[i] + found[0], i, found[1]
                i -= 1
            if name_cost < cost:
                cost, start, kind = name_cost, name_from, name_kind
            for i in range(max(run_from, j - high), min(vowel_at, j - low) + 1):
                if best[i] + _LOG_UNKNOWN < cost:
                    cost, start, kind = best[i] + _LOG_UNKNOWN, i, "name-like word"
        elif ch.isdigit():
            if j == 1 or not text[j - 2].isdigit():
                digit_min, digit_from = best[j - 1] - (j - 1), j - 1
            if digit_min + j < cost:
                cost, start, kind = digit_min + j, digit_from, _DIGITS
            year = text[j - 4 : j] if j >= 4 else ""
            cheaper = year.isdigit() and best[j - 4] + _LOG_YEAR < cost
            if cheaper and YEARS[0] <= int(year) <= YEARS[1]:
                cost, start, kind = best[j - 4] + _LOG_YEAR, j - 4, "year"
        best[j], back[j] = cost + _LOG_TOKEN, (start, kind)
        if best[j] - j * _LOG_BRUTE < brute_min:
            brute_min, brute_from = best[j] - j * _LOG_BRUTE, j
        if ch.isdigit() and best[j] - j < digit_min:
            digit_min, digit_from = best[j] - j, j
    labels: list[str] = []
    j = n
    while j > 0:
        start, kind = back[j]
        labels.append(_label(kind, j - start))
        j = start
    return best[n], tuple(labels[::-1])


def _brute(length: int) -> float:
    """log10 of all strings of length 1..length over `BRUTE_SYMBOLS` symbols."""
    if length == 0:
        return 0.0
    if length <= 64:  # the longest legal local part: exact, in integers
        return math.log10((BRUTE_SYMBOLS ** (length + 1) - BRUTE_SYMBOLS) // (BRUTE_SYMBOLS - 1))
    # sum_{l=1}^{L} 37**l = 37 * (37**L - 1) / 36; the -1 no longer shows in a float.
    return length * _LOG_BRUTE + math.log10(BRUTE_SYMBOLS / (BRUTE_SYMBOLS - 1))


def estimate(local_part: str) -> Guessability:
    """Guesses a dictionary attacker needs to reach `local_part`, and the parse that gets there.

    Never raises: any text is a local part, at worst a brute-forced one.
    """
    text = _fold(local_part)
    if not text:
        return Guessability(1.0, "empty")
    total, tokens = 0.0, 0
    parts: list[str] = []
    for k, piece in enumerate(_SPLIT.split(text)):  # segment, separator, segment, ...
        if k % 2:
            total += _LOG_SEP
            parts.append(f"'{piece}'")
        elif piece:
            cost, labels = _segment(piece)
            total += cost
            tokens += len(labels)
            parts.extend(labels)
    if tokens:
        total -= _LOG_TOKEN  # the first token picks no pattern
    brute = _brute(len(text))
    if brute < total:
        total, parse = brute, f"brute force, {_label(_BRUTE, len(text))}"
    else:
        parse = " + ".join(parts)
    total = max(total, 0.0)
    guesses = math.inf if total > _LOG_MAX else 10**total
    return Guessability(guesses, parse)


def is_guessable(guesses: float, budget: float = GUESS_BUDGET) -> bool:
    """Whether an attacker spending `budget` guesses on the domain reaches this local part."""
    return guesses <= budget

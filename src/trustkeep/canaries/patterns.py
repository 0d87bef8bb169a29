"""Email local parts as templates over their owner's names, and back.

`parse` reads a real local part against its own row's names and returns a
`Template`: name tokens (`first`, `last`, their initials `f` and `l`),
literal separators and digits, digits bound to the row's birth year, and
word fragments for the parts that do not come from the name. `render` fills a
template with other names. A canary built from a real row's template keeps
that row's pattern, separators, digit style, case and length profile, and the
list's rate of name/email coherence follows from which rows are drawn.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from random import Random
from typing import NamedTuple

__all__ = ["FOLDS", "Template", "Token", "digit_style", "fold", "parse", "render"]

SEPARATORS = frozenset("._-+")
FOLDS = ("ascii", "translit", "strip", "unicode")
# Letters NFKD leaves whole, spelled the way mail systems usually spell them.
_ASCII = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ø": "oe", "å": "aa", "æ": "ae"})
_NAME_KINDS = frozenset({"first", "last", "first-", "last-", "f", "l"})
_INITIAL_COST = 1  # prefer a full name to its initial when both parse


class Token(NamedTuple):
    """One piece of a local part: `kind` is first, last, f, l, sep, digits, year4, year2 or frag."""

    kind: str
    text: str  # the literal text for sep, digits and frag; the original text otherwise
    case: str  # lower, upper, title, or a U/l mask for a fragment; "" for literals


class Template(NamedTuple):
    """A local part as a recipe: its tokens and how it is classified."""

    tokens: tuple[Token, ...]
    pattern: str  # e.g. first.last, flast, f.last, first, name+word, handle
    digits: str  # style of the last digit run: none, d1, d2, d3, d4, year, d5+
    coherent: bool  # the local part derives from its owner's names


def fold(name: str, mode: str, hyphens: bool = False) -> str:
    """A name as it appears in email addresses: lower-case letters only.

    Lists differ in how they spell `Schröder` and `Strauß`: `ascii` gives
    schroder and strauss, `translit` schroeder and strauss, `strip` schroder
    and strau (whatever has no ASCII form is dropped), `unicode` keeps the
    letters as they are. With `hyphens`, a double name keeps its hyphen
    (`anne-marie`), as some lists spell it.
    """
    keep = "-" if hyphens else ""
    if mode == "strip":
        text = unicodedata.normalize("NFKD", name.lower())
        return "".join(ch for ch in text if "a" <= ch <= "z" or ch in keep).strip("-")
    text = name.casefold()
    if mode == "unicode":
        return "".join(ch for ch in text if ch.isalpha() or ch in keep).strip("-")
    if mode == "translit":
        text = text.translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return "".join(ch for ch in text if "a" <= ch <= "z" or ch in keep).strip("-")


def _forms(first: str, last: str, mode: str) -> dict[str, str]:
    """The spellings a local part may use: plain, and hyphenated where the name has one."""
    forms = {"first": fold(first, mode), "last": fold(last, mode)}
    for kind, name in (("first", first), ("last", last)):
        hyphenated = fold(name, mode, hyphens=True)
        if hyphenated != forms[kind]:
            forms[kind + "-"] = hyphenated
    return forms


def digit_style(digits: str) -> str:
    """Classify a digit run: year-like four digits apart, else by length."""
    if not digits:
        return "none"
    if len(digits) == 4 and 1900 <= int(digits) <= 2029:
        return "year"
    return f"d{len(digits)}" if len(digits) < 5 else "d5+"


def _case_of(text: str) -> str:
    if text.islower() or not any(ch.isalpha() for ch in text):
        return "lower"
    if text.isupper():
        return "upper"
    if text.istitle():
        return "title"
    return "".join("U" if ch.isupper() else "l" for ch in text)


def _apply_case(text: str, case: str) -> str:
    if case in ("lower", ""):
        return text
    if case == "upper":
        return text.upper()
    if case == "title":
        return text[:1].upper() + text[1:]
    if len(case) == len(text):
        return "".join(ch.upper() if c == "U" else ch for ch, c in zip(text, case, strict=True))
    return text


def _digits_token(text: str, birth_year: int | None) -> Token:
    # Digits that repeat the owner's birth year are bound to it, so a canary repeats
    # its own (generated) birth year as often as real customers repeat theirs.
    if birth_year is not None and text == f"{birth_year:04d}":
        return Token("year4", text, "")
    if birth_year is not None and len(text) == 2 and text == f"{birth_year % 100:02d}":
        return Token("year2", text, "")
    return Token("digits", text, "")


def _pure(local: str, low: str, names: Mapping[str, str], year: int | None) -> list[Token] | None:
    """The cheapest cover of the whole local part by name tokens, separators and digits."""
    n = len(low)
    best: list[tuple[int, int, int, Token] | None] = [None] * (n + 1)
    best[0] = (0, 0, -1, Token("", "", ""))
    for i in range(n):
        here = best[i]
        if here is None:
            continue
        options: list[tuple[int, int, Token]] = []
        ch = low[i]
        if ch in SEPARATORS:
            options.append((i + 1, 0, Token("sep", local[i], "")))
        elif ch.isdigit():
            j = i
            while j < n and low[j].isdigit():
                j += 1
            options.append((j, 0, _digits_token(local[i:j], year)))
        for kind, name in names.items():
            if name and low.startswith(name, i):
                options.append((i + len(name), 0, Token(kind, local[i : i + len(name)], "")))
            if name and ch == name[0] and not kind.endswith("-"):
                options.append((i + 1, _INITIAL_COST, Token(kind[0], local[i], "")))
        for j, cost, token in options:
            score = (here[0] + cost, here[1] + 1, i, token)
            current = best[j]
            if current is None or score[:2] < current[:2]:
                best[j] = score
    if best[n] is None:
        return None
    tokens: list[Token] = []
    j = n
    while j > 0:
        entry = best[j]
        assert entry is not None
        _, _, j, token = entry
        tokens.append(token)
    tokens.reverse()
    return tokens if any(t.kind in _NAME_KINDS for t in tokens) else None


def _runs(text: str) -> list[tuple[str, str]]:
    """Split into ('alpha' | 'digit' | 'sep', text) runs."""
    runs: list[tuple[str, str]] = []
    for ch in text:
        kind = "alpha" if ch.isalpha() else "digit" if ch.isdigit() else "sep"
        if runs and runs[-1][0] == kind and kind != "sep":
            runs[-1] = (kind, runs[-1][1] + ch)
        else:
            runs.append((kind, ch))
    return runs


def _mixed(local: str, names: Mapping[str, str], year: int | None) -> list[Token]:
    """Word-like runs; a run that is (or starts or ends with) a full name keeps the name."""
    tokens: list[Token] = []
    for kind, text in _runs(local):
        if kind == "sep":
            tokens.append(Token("sep", text, ""))
        elif kind == "digit":
            tokens.append(_digits_token(text, year))
        else:
            tokens.extend(_split_word(text, names))
    return tokens


def _split_word(text: str, names: Mapping[str, str]) -> list[Token]:
    if not text:
        return []
    low = text.lower() if len(text.lower()) == len(text) else text
    for kind, name in names.items():
        if not name or (low != name and len(name) < 3):
            continue
        rest = {k: v for k, v in names.items() if k != kind}  # each name once
        cut = len(name)
        if low == name:
            return [Token(kind, text, "")]
        if low.startswith(name):
            return [Token(kind, text[:cut], ""), *_split_word(text[cut:], rest)]
        if low.endswith(name):
            return [*_split_word(text[:-cut], rest), Token(kind, text[-cut:], "")]
    return [_frag(text)]


def _frag(text: str) -> Token:
    return Token("frag", text.lower(), _case_of(text))


def parse(local: str, first: str, last: str, mode: str, birth_year: int | None) -> Template:
    """Read `local` against its owner's names (folded with `mode`) as a `Template`."""
    names = _forms(first, last, mode)
    low = local.lower()
    if len(low) != len(local):  # a few letters change length when lowered
        local = low
    tokens = _pure(local, low, names, birth_year)
    if tokens is not None:
        pattern = "".join(
            t.kind.rstrip("-") if t.kind in _NAME_KINDS else t.text
            for t in tokens
            if t.kind in _NAME_KINDS or t.kind == "sep"
        )
    else:
        tokens = _mixed(local, names, birth_year)
        named = any(t.kind in _NAME_KINDS for t in tokens)
        pattern = "name+word" if named else "handle"
    tokens = [t._replace(case=_case_of(t.text)) if t.kind in _NAME_KINDS else t for t in tokens]
    runs = [t.text for t in tokens if t.kind in ("digits", "year4", "year2")]
    return Template(
        tokens=tuple(tokens),
        pattern=pattern,
        digits=digit_style(runs[-1] if runs else ""),
        coherent=pattern != "handle",
    )


def render(
    template: Template,
    first: str,
    last: str,
    mode: str,
    birth_year: int | None,
    fragments: Mapping[int, Sequence[str]],
    rng: Random,
) -> str | None:
    """Fill `template` with other names; None when it needs a name that is missing."""
    names = {"first": fold(first, mode), "last": fold(last, mode)}
    names["first-"] = fold(first, mode, hyphens=True)
    names["last-"] = fold(last, mode, hyphens=True)
    out: list[str] = []
    for token in template.tokens:
        kind = token.kind
        if kind in names:
            if not names[kind]:
                return None
            out.append(_apply_case(names[kind], token.case))
        elif kind in ("f", "l"):
            name = names["first" if kind == "f" else "last"]
            if not name:
                return None
            out.append(_apply_case(name[0], token.case))
        elif kind == "year4" and birth_year is not None:
            out.append(f"{birth_year:04d}")
        elif kind == "year2" and birth_year is not None:
            out.append(f"{birth_year % 100:02d}")
        elif kind == "frag":
            # A fragment of the same length from the list's own handles keeps their shape
            # and style (length, letters, case) without a word list of our own.
            pool = fragments.get(len(token.text))
            word = rng.choice(pool) if pool else token.text
            out.append(_apply_case(word, token.case))
        else:
            out.append(token.text)
    return "".join(out)

"""Synthetic customers: seeded, pure and realistic enough for the demo, tests and bench.

`random.Random(seed)` drives everything (this is test data, not cryptography), so
the same `n` and `seed` always give the same rows. Names are drawn with a
Zipf-like skew from built-in lists; addresses use reserved example domains only.

Email addresses are unique across a run by construction. A local part is a name
part without digits followed by a run of 0, 2 or 4 digits; a short bitset of
CRC-32s tells whether that address may have been used (false positives only), and
then the name part gets a run of at least 5 digits derived from the row number
through a bijection instead: no two rows share one, and no unnumbered form has one.
"""

from __future__ import annotations

import csv
import unicodedata
import zlib
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from itertools import accumulate
from pathlib import Path
from random import Random


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIELDS = _words("email first_name last_name phone postal_code birth_date loyalty_tier signup_date")
DOMAINS = (
    "example.com",
    "example.org",
    "example.net",
    "mail.example",
    "post.example",
    "inbox.example.com",
)
FIRST_NAMES = _words("""
James Mary Michael Patricia John Jennifer Robert Linda David Elizabeth William Barbara Richard
Susan Joseph Jessica Thomas Sarah Christopher Karen Daniel Emily Matthew Olivia Oliver Amelia
George Isla Harry Sophie Jack Charlotte Noah Ava Leo Grace Lukas Hannah Jonas Lea Felix Anna
Maximilian Marie Paul Laura Jürgen Ursula Stefan Katrin Sebastian Sophia Lucas Chloé Hugo Léa
Louis Camille Jules Inès Gabriel Manon Raphaël Zoé Mateo Lucía Alejandro Sofía Javier Carmen
Diego Valentina Pablo Martina Sergio Isabel Daan Emma Sem Julia Finn Mila Luuk Sanne Sven Ingrid
Erik Astrid Mohammed Fatima Omar Aisha Wei Mei Hiroshi Yuki Arjun Priya Ravi Ananya Liam Niamh
""")
LAST_NAMES = _words("""
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Wilson Anderson Taylor
Thomas Moore Jackson Martin Lee Thompson White Harris Clark Lewis Walker Hall Young King Wright
Evans Roberts Hughes Edwards Green Wood Murphy O'Brien Kelly Walsh Byrne Ryan Müller Schmidt
Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein
Wolf Schröder Neumann Braun Krüger Bernard Dubois Durand Lefebvre Moreau Laurent Simon Michel
Leroy Roux Fournier Girard Bonnet Dupont Fernández López González Pérez Sánchez Ramírez Torres
Flores Romero Díaz Jansen Visser Smit Bakker Janssen Bos Mulder Dekker Nielsen Hansen Larsen
Andersson Johansson Khan Patel Singh Kumar Wang Chen Tanaka Sato Nakamura Kowalski Nowak
""")
# Real lists hold tens of thousands of surnames; variants of the bases give the
# generator a long tail, so that (as in real lists) most name pairs never occur.
SURNAME_SUFFIXES = _words("son s er ley ton field wood berg mann ström")
LAST_NAMES = LAST_NAMES + tuple(
    base + suffix for suffix in SURNAME_SUFFIXES for base in LAST_NAMES if "'" not in base
)
ADJECTIVES = _words("blue quiet lucky swift happy brave sunny misty silver wild tiny bold")
NOUNS = _words("fox otter falcon panda tiger maple river comet pixel badger heron lynx")
TIERS = ("bronze", "silver", "gold", "platinum")
TIER_WEIGHTS = tuple(accumulate((62, 25, 10, 3)))
# Cumulative weights of the local-part patterns, in `_local_part`'s order.
PATTERNS = tuple(accumulate((30, 15, 10, 10, 10, 12, 8, 5)))
UK_AREAS = _words("SW SE NW N E W EC WC B M L LS G EH CF BS OX CB")
SIGNUP_FIRST = date(2016, 1, 1).toordinal()
SIGNUP_LAST = date(2026, 10, 31).toordinal()
BITSET_BITS = 1 << 25  # 4 MiB: "maybe used" flags for unnumbered addresses


def _zipf(count: int, exponent: float = 0.6) -> list[float]:
    return list(accumulate(1 / (rank**exponent) for rank in range(1, count + 1)))


def _fold(name: str) -> str:
    """`Schröder` -> `schroder`, `O'Brien` -> `obrien`: ASCII letters only."""
    text = unicodedata.normalize("NFKD", name.replace("ß", "ss")).encode("ascii", "ignore")
    return "".join(ch for ch in text.decode().lower() if ch.isalpha())


_FIRST_CUM, _LAST_CUM = _zipf(len(FIRST_NAMES)), _zipf(len(LAST_NAMES))
_FOLDED = {name: _fold(name) for name in FIRST_NAMES + LAST_NAMES}


def _pick(rng: Random, items: Sequence[str], cum: list[float]) -> str:
    return items[min(bisect(cum, rng.random() * cum[-1]), len(items) - 1)]


def _local_part(rng: Random, first: str, last: str, birth: date) -> tuple[str, str]:
    """(name part without digits, trailing digits of length 0, 2 or 4)."""
    f, la = _FOLDED[first], _FOLDED[last]
    kind = bisect(PATTERNS, rng.random() * PATTERNS[-1])
    if kind == 0:
        return f"{f}.{la}", ""
    if kind == 1:
        return f"{f[0]}{la}", ""
    if kind == 2:
        return f"{f}_{la}", f"{rng.randrange(100):02d}"
    if kind == 3:
        return f"{f}{la}", f"{birth.year % 100:02d}"
    if kind == 4:
        return f, str(birth.year)
    if kind == 5:
        tail = f"{rng.randrange(100):02d}" if rng.random() < 0.5 else ""
        return f"{rng.choice(ADJECTIVES)}{rng.choice(['', '_', '.'])}{rng.choice(NOUNS)}", tail
    if kind == 6:
        return f"{la}.{f}", ""
    return f"{f[0]}.{la}", ""


def _phone(rng: Random, country: str) -> str:
    if country == "US":  # 555-0100..0199 is reserved for fiction
        area, line = rng.randrange(201, 990), rng.randrange(100, 200)
        return f"+1 ({area}) 555-{line:04d}" if rng.random() < 0.6 else f"+1-{area}-555-{line:04d}"
    if country == "GB":  # Ofcom's drama range 07700 900000..900999
        return f"+44 7700 900{rng.randrange(1000):03d}"
    prefix = rng.choice(["30", "40", "89", "151", "160", "170"])
    return f"+49 {prefix} {rng.randrange(10**6, 10**8)}"


def _postal_code(rng: Random, country: str) -> str:
    if country == "GB":
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        inward = f"{rng.randrange(10)}{rng.choice(letters)}{rng.choice(letters)}"
        return f"{rng.choice(UK_AREAS)}{rng.randrange(1, 20)} {inward}"
    return f"{rng.randrange(1000 if country == 'US' else 1067, 99951):05d}"


def customers(n: int, seed: int = 0, domains: Sequence[str] = DOMAINS) -> Iterator[dict[str, str]]:
    """`n` synthetic customers with unique email addresses, the same for the same seed."""
    if n < 0 or not domains:
        raise ValueError("n must be >= 0 and domains must not be empty")
    rng = Random(seed)
    domain_cum = _zipf(len(domains), 1.0)
    modulus = 10 ** max(5, len(str(max(n - 1, 1))))  # a bijection of range(modulus) >= n rows
    offset = rng.randrange(modulus)
    used = bytearray(BITSET_BITS // 8)
    for row in range(n):
        first, last = _pick(rng, FIRST_NAMES, _FIRST_CUM), _pick(rng, LAST_NAMES, _LAST_CUM)
        signup = date.fromordinal(rng.randint(SIGNUP_FIRST, SIGNUP_LAST))
        age_days = int(rng.triangular(18, 85, 34) * 365.25)
        birth = date.fromordinal(signup.toordinal() - age_days)
        country = ("US", "GB", "DE")[bisect((0.5, 0.8), rng.random())]
        name, digits = _local_part(rng, first, last, birth)
        domain = domains[min(bisect(domain_cum, rng.random() * domain_cum[-1]), len(domains) - 1)]
        email = f"{name}{digits}@{domain}"
        bit = zlib.crc32(email.encode()) % BITSET_BITS
        if used[bit >> 3] & (1 << (bit & 7)):
            # 7_654_321 is prime to 10, so the map is a bijection of range(modulus).
            number = 10_000 + (row * 7_654_321 + offset) % modulus
            email = f"{name}{number}@{domain}"
        else:
            used[bit >> 3] |= 1 << (bit & 7)
        yield {
            "email": email,
            "first_name": first,
            "last_name": last,
            "phone": _phone(rng, country),
            "postal_code": _postal_code(rng, country),
            "birth_date": birth.isoformat(),
            "loyalty_tier": TIERS[bisect(TIER_WEIGHTS, rng.random() * TIER_WEIGHTS[-1])],
            "signup_date": signup.isoformat(),
        }


def write_csv(
    path: Path, n: int, seed: int = 0, progress: Callable[[int], None] | None = None
) -> None:
    """Stream `n` customers to a UTF-8 CSV at `path`; `progress` gets row counts as it goes."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        pending = 0
        for record in customers(n, seed):
            writer.writerow(record)
            pending += 1
            if progress is not None and pending >= 10_000:
                progress(pending)
                pending = 0
        if progress is not None and pending:
            progress(pending)

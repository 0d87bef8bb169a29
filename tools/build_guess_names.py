#!/usr/bin/env python3
"""Build the name lists of trustkeep's guessability model from Faker's locale data.

    .venv/bin/pip install 'Faker==40.63.0'
    .venv/bin/python tools/build_guess_names.py            # writes src/trustkeep/canaries/data/
    .venv/bin/python tools/build_guess_names.py --check    # exit 1 if the files would change

The model needs each name's *rank*: how early a dictionary attacker would try
it. Faker ships person names for many locales under the MIT licence; some
lists carry weights (how common each name is), most are plain tuples. The
ranks are fused across locales by reciprocal rank: a name scores 1/rank in
every locale that lists it (by weight where Faker gives weights; a plain
list, whose order says nothing, gives each of its n names the mean rank
(n+1)/2), and the lists are sorted by total score. So a name at the top of a
weighted list ranks high, and a name present in more locales ranks higher
than one present in fewer; ties are broken alphabetically, so the output is
the same on every run for a given Faker version.

Names are folded exactly as canary local parts are rendered
(`trustkeep.canaries.patterns.fold(name, "ascii")`: case-folded, NFKD,
ASCII letters only), so "Müller" is stored as "muller" and "O'Brien" as
"obrien". Names shorter than two letters are dropped (a single letter is the
model's "initial" token). Only Latin-script locales are used: names in other
scripts fold to nothing.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from trustkeep.canaries.patterns import fold  # noqa: E402

OUT = ROOT / "src" / "trustkeep" / "canaries" / "data"
FILES = {"first": "guess_first_names.txt", "last": "guess_surnames.txt"}
LOCALES = (
    "en", "en_US", "en_GB", "en_IE", "en_NZ", "en_IN", "hi_IN",
    "fr_FR", "fr_BE", "fr_CA", "fr_CH",
    "de_DE", "de_AT", "de_CH",
    "es_ES", "es_MX", "es_AR", "es_CO", "es_CL",
    "it_IT", "nl_NL", "nl_BE", "pt_BR", "pt_PT",
    "pl_PL", "cs_CZ", "sk_SK", "hu_HU", "ro_RO", "hr_HR", "sl_SI",
    "sv_SE", "da_DK", "no_NO", "fi_FI", "tr_TR",
)  # fmt: skip
# Which class attributes of a locale's person Provider hold which kind of name.
# Only attributes the locale defines itself count: the base Provider's
# placeholders (John, Jane, Doe) would otherwise leak into every locale.
_FIRST = re.compile(r"first_names_(male|female|nonbinary|unisex)")
_LAST = re.compile(r"(\w+_)?last_names(_\w+)?")


def _lists(locale: str, kind: str) -> list[tuple[str, ...] | Mapping[str, float]]:
    """The locale's own name lists of one kind (weighted mappings or plain sequences)."""
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    own = {
        key: value
        for key, value in vars(provider).items()
        if not key.startswith("_") and isinstance(value, tuple | list | dict)
    }
    if kind == "first":
        keys = [k for k in own if _FIRST.fullmatch(k)] or [k for k in own if k == "first_names"]
    else:
        keys = [k for k in own if _LAST.fullmatch(k)]
    lists: list[tuple[str, ...] | Mapping[str, float]] = []
    for key in sorted(keys):
        value = own[key]
        lists.append(value if isinstance(value, dict) else tuple(value))
    return lists


def _ranks(names: tuple[str, ...] | Mapping[str, float]) -> Iterable[tuple[str, float]]:
    """(name, rank) for one list: by descending weight, or the mean rank of a plain list."""
    if isinstance(names, Mapping):
        ordered = sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))
        return ((name, float(i)) for i, (name, _) in enumerate(ordered, start=1))
    mean = (len(names) + 1) / 2
    return ((name, mean) for name in names)


def build(kind: str) -> list[str]:
    """One kind's folded names, most popular first, each once."""
    score: dict[str, float] = defaultdict(float)
    for locale in LOCALES:
        best: dict[str, float] = {}  # a name counts once per locale, at its best rank
        for names in _lists(locale, kind):
            for name, rank in _ranks(names):
                folded = fold(name, "ascii")
                if len(folded) >= 2:
                    best[folded] = min(best.get(folded, rank), rank)
        for folded, rank in best.items():
            score[folded] += 1 / rank
    return sorted(score, key=lambda name: (-score[name], name))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the files")
    args = parser.parse_args()
    stale = []
    for kind, filename in FILES.items():
        text = "".join(f"{name}\n" for name in build(kind))
        path = OUT / filename
        if args.check:
            if not path.exists() or path.read_text(encoding="ascii") != text:
                stale.append(filename)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="ascii", newline="\n")
        print(f"{path.relative_to(ROOT)}: {text.count(chr(10))} names")
    print(f"Faker {version('Faker')}, {len(LOCALES)} locales")
    if stale:
        print("stale: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

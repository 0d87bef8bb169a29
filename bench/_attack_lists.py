"""Two more list styles for bench/canary_attack.py, written without trustkeep.canaries.

    euro_longtail    a long-tailed mix of European locales (PL, IT, ES, NL, SE, PT, CZ, RO,
                     HU, FI, DK, NO, HR, SK, LT): a few big locales, many small ones, and
                     within each a Zipf head of common names and a long tail of rare ones
    transliterated   names from non-Latin scripts written in Latin letters: Russian and
                     Ukrainian (two transliteration habits), Greek, Chinese pinyin, Japanese
                     romaji, Indian and Pakistani names

Faker's person providers are used only as lists of names (no Faker generator runs): the
frequencies (ranks, Zipf weights, the rare tail), the email patterns, phones, postal codes
and the rest are sampled here. Dates and loyalty tiers reuse tests/listgen.py's samplers
(the caller puts tests/ on sys.path). Seeded: the same (style, n, seed) gives the same list.
"""

from __future__ import annotations

import importlib
import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from listgen import (
    BASE_COLUMNS,
    CONSUMER_TIERS,
    SignupDates,
    Weighted,
    _birth_date,
    _maybe,
    _tier,
    zipf,
)
from listgen import _words as listgen_words

STYLES = ("euro_longtail", "transliterated")
SIGNUPS = SignupDates(2016, 2024, growth=1.15, campaign_share=0.03, weekday_bias=0.0)

Row = dict[str, str]


def columns(style: str) -> tuple[str, ...]:
    """The columns of a list in `style` (euro_longtail also has birth_date)."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; expected one of {', '.join(STYLES)}")
    if style == "euro_longtail":
        return (*BASE_COLUMNS[:5], "birth_date", *BASE_COLUMNS[5:])
    return BASE_COLUMNS


# --------------------------------------------------------------------------- name sources


def _faker_names(locale: str, attribute: str) -> list[str]:
    """One name list of a Faker person provider, as plain strings (keys of weighted dicts)."""
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    values = getattr(provider, attribute)
    return list(dict.fromkeys(str(v) for v in values if str(v).strip()))


def _ranked(names: Sequence[str], rng: random.Random) -> list[str]:
    """An order of popularity: Faker's alphabetical lists are shuffled, others kept."""
    names = list(names)
    if names == sorted(names):
        rng.shuffle(names)
    return names


@dataclass
class Pool:
    """Names of one locale and gender: a Zipf head and a uniform rare tail."""

    names: list[str]
    head: Weighted[str]
    rare_share: float

    @classmethod
    def of(
        cls, names: Sequence[str], rng: random.Random, s: float = 1.05, rare_share: float = 0.12
    ) -> Pool:
        ranked = _ranked(names, rng)
        head = ranked[: max(8, len(ranked) // 3)]
        return cls(ranked, zipf(head, s=s, q=3.0), rare_share)

    def pick(self, rng: random.Random) -> str:
        if rng.random() < self.rare_share:
            return rng.choice(self.names)
        return self.head.pick(rng)


@dataclass
class Locale:
    code: str
    first_m: Pool
    first_f: Pool
    last_m: Pool
    last_f: Pool
    domains: Weighted[str]
    phone: Callable[[random.Random], str]
    postal: Callable[[random.Random], str]
    double_last: float = 0.0  # share of two last names (ES, PT)
    spell: Callable[[str, random.Random], str] | None = None  # transliteration


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _phone(prefix: str, groups: Sequence[int], lead: str = "") -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        first = rng.choice(lead) if lead else ""
        digits = first + _digits(rng, sum(groups) - len(first))
        parts, at = [], 0
        for size in groups:
            parts.append(digits[at : at + size])
            at += size
        local = " ".join(parts)
        return f"{prefix} {local}" if rng.random() < 0.7 else "0" + local.replace(" ", "")

    return make


def _postal(template: str, home: int = 60) -> Callable[[random.Random], str]:
    """9 = digit, A = letter; each list draws most codes from a few home prefixes."""
    homes: list[str] = []

    def fill(rng: random.Random) -> str:
        return "".join(
            rng.choice("0123456789")
            if c == "9"
            else rng.choice("ABCDEFGHJKLMNPRSTVWXZ")
            if c == "A"
            else c
            for c in template
        )

    def make(rng: random.Random) -> str:
        if not homes:
            homes.extend(fill(rng)[:3] for _ in range(home))
        code = fill(rng)
        if rng.random() < 0.75:
            code = rng.choice(homes) + code[3:]
        return code

    return make


def _webmail(*pairs: tuple[str, float]) -> Weighted[str]:
    return Weighted([*pairs, ("gmail.example", 30.0), ("outlook.example", 6.0)])


def _gendered(
    locale: str,
    rng: random.Random,
    first: tuple[str, str] = ("first_names_male", "first_names_female"),
    last: tuple[str, str] | str = "last_names",
) -> tuple[Pool, Pool, Pool, Pool]:
    fm, ff = (Pool.of(_faker_names(locale, a), rng) for a in first)
    if isinstance(last, str):
        lm = lf = Pool.of(_faker_names(locale, last), rng, rare_share=0.2)
    else:
        lm, lf = (Pool.of(_faker_names(locale, a), rng, rare_share=0.2) for a in last)
    return fm, ff, lm, lf


def _european(rng: random.Random) -> list[Locale]:
    """Most common first: the locale weights are Zipf over this order."""
    pl_last = _faker_names("pl_PL", "male_last_names") + _faker_names("pl_PL", "unisex_last_names")
    pl = Pool.of(pl_last, rng, rare_share=0.25)
    return [
        Locale(
            "pl",
            *_gendered("pl_PL", rng, last="male_last_names")[:2],
            pl,
            pl,
            _webmail(("wp.example", 25.0), ("onet.example", 20.0), ("interia.example", 12.0)),
            _phone("+48", (3, 3, 3), "5678"),
            _postal("99-999"),
        ),
        Locale(
            "it",
            *_gendered("it_IT", rng),
            _webmail(("libero.example", 22.0), ("virgilio.example", 10.0), ("tim.example", 6.0)),
            _phone("+39", (3, 3, 4), "3"),
            _postal("99999"),
        ),
        Locale(
            "es",
            *_gendered("es_ES", rng),
            _webmail(
                ("hotmail.example", 25.0), ("yahoo.example.es", 8.0), ("telefonica.example", 5.0)
            ),
            _phone("+34", (3, 3, 3), "67"),
            _postal("99999"),
            double_last=0.45,
        ),
        Locale(
            "nl",
            *_gendered("nl_NL", rng),
            _webmail(("ziggo.example", 15.0), ("kpnmail.example", 12.0), ("hotmail.example", 14.0)),
            _phone("+31", (2, 4, 4), "6"),
            _postal("9999 AA"),
        ),
        Locale(
            "se",
            *_gendered("sv_SE", rng),
            _webmail(("telia.example", 12.0), ("hotmail.example", 12.0), ("bredband.example", 5.0)),
            _phone("+46", (2, 3, 2, 2), "7"),
            _postal("999 99"),
        ),
        Locale(
            "pt",
            *_gendered("pt_PT", rng),
            _webmail(("sapo.example", 25.0), ("hotmail.example", 15.0), ("netcabo.example", 5.0)),
            _phone("+351", (3, 3, 3), "9"),
            _postal("9999-999"),
            double_last=0.5,
        ),
        Locale(
            "cz",
            *_gendered("cs_CZ", rng, last=("last_names_male", "last_names_female")),
            _webmail(
                ("seznam.example", 40.0), ("email.example.cz", 10.0), ("centrum.example", 8.0)
            ),
            _phone("+420", (3, 3, 3), "67"),
            _postal("999 99"),
        ),
        Locale(
            "ro",
            *_gendered("ro_RO", rng),
            _webmail(("yahoo.example", 25.0), ("hotmail.example", 10.0)),
            _phone("+40", (3, 3, 3), "7"),
            _postal("999999"),
        ),
        Locale(
            "hu",
            *_gendered("hu_HU", rng),
            _webmail(("freemail.example", 25.0), ("citromail.example", 8.0)),
            _phone("+36", (2, 3, 4), "237"),
            _postal("9999"),
        ),
        Locale(
            "fi",
            *_gendered("fi_FI", rng),
            _webmail(("luukku.example", 10.0), ("suomi24.example", 6.0), ("hotmail.example", 10.0)),
            _phone("+358", (2, 3, 4), "4"),
            _postal("99999"),
        ),
        Locale(
            "dk",
            *_gendered("da_DK", rng),
            _webmail(("jubii.example", 8.0), ("hotmail.example", 14.0), ("mail.example.dk", 6.0)),
            _phone("+45", (2, 2, 2, 2), "2345"),
            _postal("9999"),
        ),
        Locale(
            "no",
            *_gendered("no_NO", rng),
            _webmail(("online.example", 10.0), ("hotmail.example", 12.0), ("start.example", 4.0)),
            _phone("+47", (3, 2, 3), "49"),
            _postal("9999"),
        ),
        Locale(
            "hr",
            *_gendered("hr_HR", rng),
            _webmail(("net.example.hr", 12.0), ("yahoo.example", 8.0)),
            _phone("+385", (2, 3, 4), "9"),
            _postal("99999"),
        ),
        Locale(
            "sk",
            *_gendered("sk_SK", rng, last=("last_names_male", "last_names_female")),
            _webmail(("azet.example", 20.0), ("centrum.example", 10.0), ("zoznam.example", 6.0)),
            _phone("+421", (3, 3, 3), "9"),
            _postal("999 99"),
        ),
        Locale(
            "lt",
            *_gendered("lt_LT", rng, first=("first_names", "first_names")),
            _webmail(("one.example", 10.0), ("inbox.example", 10.0)),
            _phone("+370", (3, 5), "6"),
            _postal("LT-99999"),
        ),
    ]


# --------------------------------------------------------------------------- transliteration

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i",
    "ї": "yi", "є": "ye", "ґ": "g", "'": "", "’": "",
}  # fmt: skip
# another habit (passport-like / popular): й -> i, х -> h, ю -> iu, я -> ia, ц -> c
_CYRILLIC_ALT = {**_CYRILLIC, "й": "i", "х": "h", "ю": "iu", "я": "ia", "ц": "c", "щ": "sch"}

_GREEK = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}  # fmt: skip
_GREEK_PAIRS = (("ου", "ou"), ("αι", "ai"), ("ει", "ei"), ("οι", "oi"), ("γγ", "ng"), ("γκ", "gk"))


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _cyrillic(name: str, rng: random.Random) -> str:
    table = _CYRILLIC if rng.random() < 0.7 else _CYRILLIC_ALT
    out = "".join(table.get(c, c) for c in name.lower())
    return "-".join(part.capitalize() for part in out.split("-"))


def _greek(name: str, rng: random.Random) -> str:
    text = _unaccented(name.lower())
    if rng.random() < 0.3:  # Ch vs H for chi
        text = text.replace("χ", "h")
    for a, b in _GREEK_PAIRS:
        text = text.replace(a, b)
    return "".join(_GREEK.get(c, c) for c in text).capitalize()


def _transliterated(rng: random.Random) -> list[Locale]:
    def pool(locale: str, attribute: str, rare: float = 0.12) -> Pool:
        return Pool.of(_faker_names(locale, attribute), rng, rare_share=rare)

    zh_syllables = sorted(
        {
            s.lower()
            for s in _faker_names("zh_CN", "first_romanized_names")
            + _faker_names("zh_CN", "last_romanized_names")
            if len(s) <= 5
        }
    )
    zh_given = sorted({(a + b).capitalize() for a in zh_syllables for b in zh_syllables})
    zh_given = rng.sample(zh_given, 600) + _faker_names("zh_CN", "first_romanized_names")
    zh_first = Pool.of(zh_given, rng, s=0.8, rare_share=0.3)
    zh_last = Pool.of(_faker_names("zh_CN", "last_romanized_names"), rng, s=1.2, rare_share=0.05)
    ja_last = pool("ja_JP", "last_romanized_names")
    in_last = pool("en_IN", "last_names", 0.2)
    pk_last = pool("en_PK", "last_names", 0.2)
    return [
        Locale(
            "ru",
            pool("ru_RU", "first_names_male"),
            pool("ru_RU", "first_names_female"),
            pool("ru_RU", "last_names_male", 0.2),
            pool("ru_RU", "last_names_female", 0.2),
            _webmail(("mail.example.ru", 25.0), ("yandex.example", 25.0), ("rambler.example", 5.0)),
            _phone("+7", (3, 3, 2, 2), "9"),
            _postal("999999"),
            spell=_cyrillic,
        ),
        Locale(
            "in",
            pool("en_IN", "first_names_male"),
            pool("en_IN", "first_names_female"),
            in_last,
            in_last,
            _webmail(("yahoo.example.co.in", 15.0), ("rediffmail.example", 10.0)),
            _phone("+91", (5, 5), "6789"),
            _postal("999999"),
        ),
        Locale(
            "cn",
            zh_first,
            zh_first,
            zh_last,
            zh_last,
            _webmail(("qq.example", 35.0), ("163.example", 20.0), ("126.example", 8.0)),
            _phone("+86", (3, 4, 4), "1"),
            _postal("999999"),
        ),
        Locale(
            "pk",
            pool("en_PK", "first_names"),
            pool("en_PK", "first_names"),
            pk_last,
            pk_last,
            _webmail(("yahoo.example", 20.0), ("hotmail.example", 15.0)),
            _phone("+92", (3, 7), "3"),
            _postal("99999"),
        ),
        Locale(
            "gr",
            pool("el_GR", "first_names_male"),
            pool("el_GR", "first_names_female"),
            pool("el_GR", "last_names_male", 0.2),
            pool("el_GR", "last_names_female", 0.2),
            _webmail(("yahoo.example.gr", 15.0), ("otenet.example", 10.0)),
            _phone("+30", (3, 3, 4), "69"),
            _postal("999 99"),
            spell=_greek,
        ),
        Locale(
            "ua",
            pool("uk_UA", "first_names_male"),
            pool("uk_UA", "first_names_female"),
            pool("uk_UA", "last_names_male", 0.2),
            pool("uk_UA", "last_names_female", 0.2),
            _webmail(("ukr.example", 25.0), ("i.example.ua", 10.0)),
            _phone("+380", (2, 3, 2, 2), "6795"),
            _postal("99999"),
            spell=_cyrillic,
        ),
        Locale(
            "jp",
            pool("ja_JP", "first_romanized_names"),
            pool("ja_JP", "first_romanized_names"),
            ja_last,
            ja_last,
            _webmail(("docomo.example", 15.0), ("yahoo.example.co.jp", 20.0)),
            _phone("+81", (2, 4, 4), "789"),
            _postal("999-9999"),
        ),
    ]


# --------------------------------------------------------------------------- emails


def _ascii(name: str) -> str:
    text = _unaccented(name.lower().replace("ł", "l").replace("ø", "o").replace("æ", "ae"))
    text = text.replace("ß", "ss").replace("đ", "d")
    return "".join(c for c in text if c.isascii() and (c.isalnum() or c == "-")).strip("-") or "x"


EMAIL_PATTERNS = Weighted(
    [
        ("first.last", 24.0),
        ("firstlast", 10.0),
        ("flast", 7.0),
        ("f.last", 4.0),
        ("first_last", 4.0),
        ("first.last+dd", 9.0),
        ("firstlast+dd", 6.0),
        ("first+digits", 10.0),
        ("first+year", 6.0),
        ("last.first", 4.0),
        ("lastfirst+dd", 3.0),
        ("firstl", 3.0),
        ("last+digits", 4.0),
        ("handle", 6.0),
    ]
)
HANDLE_WORDS = listgen_words(
    "sun star moon wolf bear tiger lion eagle blue red green black silver gold rock river "
    "sky fox dragon angel king queen happy lucky crazy cool sweet mini super magic"
)


def _email_digits(rng: random.Random, birth_year: int) -> str:
    roll = rng.random()
    if roll < 0.35:
        return f"{birth_year % 100:02d}"
    if roll < 0.45:
        return str(rng.randint(100, 999))
    return str(rng.randint(1, 99))


def _local(rng: random.Random, first: str, last: str, birth_year: int) -> str:
    f, ln = _ascii(first), _ascii(last.split()[0] if rng.random() < 0.7 else last)
    ln = ln.replace("-", "") if rng.random() < 0.5 else ln
    pattern = EMAIL_PATTERNS.pick(rng)
    dd = _email_digits(rng, birth_year)
    local = {
        "first.last": f"{f}.{ln}",
        "firstlast": f + ln,
        "flast": f[0] + ln,
        "f.last": f"{f[0]}.{ln}",
        "first_last": f"{f}_{ln}",
        "first.last+dd": f"{f}.{ln}{dd}",
        "firstlast+dd": f"{f}{ln}{dd}",
        "first+digits": f + dd,
        "first+year": f"{f}{birth_year}",
        "last.first": f"{ln}.{f}",
        "lastfirst+dd": f"{ln}{f}{dd}",
        "firstl": f + ln[0],
        "last+digits": ln + dd,
        "handle": f"{rng.choice(HANDLE_WORDS)}{rng.choice(HANDLE_WORDS)}{rng.randint(1, 999)}",
    }[pattern]
    return local.replace(" ", "")


# --------------------------------------------------------------------------- lists


def make_list(style: str, n: int, seed: int) -> list[Row]:
    """`n` customers in `style`; the same (style, n, seed) gives the same list."""
    cols = columns(style)
    rng = random.Random(f"attack-lists:{style}:{seed}")
    locales = _european(rng) if style == "euro_longtail" else _transliterated(rng)
    picker = zipf(locales, s=1.1, q=0.5)
    seen: set[str] = set()
    rows = []
    for _ in range(n):
        loc = picker.pick(rng)
        female = rng.random() < 0.5
        first = (loc.first_f if female else loc.first_m).pick(rng)
        lasts = loc.last_f if female else loc.last_m
        last = lasts.pick(rng)
        if rng.random() < loc.double_last:
            last = f"{last} {lasts.pick(rng)}"
        if loc.spell:
            first, last = loc.spell(first, rng), loc.spell(last, rng)
        birth = _birth_date(rng)
        local, domain = _local(rng, first, last, birth.year), loc.domains.pick(rng)
        base = local
        while f"{local}@{domain}" in seen:
            local = f"{base}{rng.randint(1, 999)}"
        seen.add(f"{local}@{domain}")
        signup = SIGNUPS.pick(rng)
        row = {
            "email": f"{local}@{domain}",
            "first_name": first,
            "last_name": last,
            "phone": _maybe(rng, loc.phone(rng), 0.06),
            "postal_code": _maybe(rng, loc.postal(rng), 0.04),
        }
        if "birth_date" in cols:
            row["birth_date"] = _maybe(rng, birth.isoformat(), 0.08)
        row["signup_date"] = signup.isoformat()
        row["loyalty_tier"] = _maybe(rng, _tier(rng, CONSUMER_TIERS, signup), 0.03)
        rows.append(row)
    return rows

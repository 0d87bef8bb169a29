"""Tests for trustkeep.canaries: profile, generate and the Bloom filter.

The list the canaries hide in is built here, independently of the generator:
two locales with their own names, phone formats and postal codes, Zipf-like
name frequencies, a dozen email patterns with year and random digit suffixes,
handles made of syllables, correlated dates and some empty cells. The pattern
checks classify addresses with a small classifier of their own, not the
generator's parser.
"""

from __future__ import annotations

import itertools
import math
import random
import re
import unicodedata
from collections import Counter
from datetime import date, timedelta
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustkeep.canaries import ListProfile, Observer, generate
from trustkeep.canaries.bloom import BloomFilter
from trustkeep.errors import InvalidInput

COLUMNS = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "postal_code",
    "postal_address",
    "birth_date",
    "ip_address",
    "loyalty_tier",
    "signup_date",
    "purchase_history",
]
EMPTY_RATES = {
    "last_name": 0.02,
    "phone": 0.08,
    "postal_address": 0.05,
    "birth_date": 0.10,
    "ip_address": 0.03,
    "purchase_history": 0.30,
}
ONSETS = {"us": "b br c ch d j k l m n p r s st t w", "de": "b d f g h k l m n r s sch t w z"}
VOWELS = {"us": "a e i o y ea ie", "de": "a e i o u ä ö ü ie ei"}
CODAS = {"us": " n nd r rt s th ll y", "de": " n nd r rt s tz ll ng ß"}
PATTERNS = {  # independent of the generator: pattern -> weight (percent)
    "first.last": 24,
    "flast": 12,
    "first_last": 8,
    "firstlast": 8,
    "f.last": 6,
    "last.first": 5,
    "firstl": 4,
    "first": 5,
    "last": 3,
    "handle": 25,
}
DOMAINS = ("mail.example", "post.example", "inbox.example", "web.example")


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.casefold()).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text if ch.isalpha())


def _names(rng: random.Random, locale: str, count: int, syllables: int) -> list[str]:
    onsets, vowels, codas = (d[locale].split(" ") for d in (ONSETS, VOWELS, CODAS))
    names: dict[str, None] = {}
    while len(names) < count:
        parts = [rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(1, syllables))]
        names[("".join(parts) + rng.choice(codas)).title()] = None
    return list(names)


def _zipf(names: list[str], exponent: float) -> tuple[list[str], list[float]]:
    weights = [1 / (rank**exponent) for rank in range(1, len(names) + 1)]
    return names, list(itertools.accumulate(weights))


def _local(rng: random.Random, first: str, last: str, birth: date | None) -> str:
    f, la = _fold(first), _fold(last)
    kind = rng.choices(list(PATTERNS), weights=list(PATTERNS.values()))[0]
    if kind == "handle":
        words = [rng.choice(ONSETS["us"].split()) + rng.choice("aeiou") for _ in range(3)]
        sep = rng.choice(["", "", "_", "."])
        base = sep.join(["".join(words[: rng.randint(1, 3)]), rng.choice(["fox", "kid", "max"])])
    else:
        base = {
            "first.last": f"{f}.{la}",
            "flast": f"{f[0]}{la}",
            "first_last": f"{f}_{la}",
            "firstlast": f"{f}{la}",
            "f.last": f"{f[0]}.{la}",
            "last.first": f"{la}.{f}",
            "firstl": f"{f}{la[0]}",
            "first": f,
            "last": la,
        }[kind]
    roll = rng.random()
    if roll < 0.15 and birth:
        return base + str(birth.year)
    if roll < 0.30 and birth:
        return base + f"{birth.year % 100:02d}"
    if roll < 0.45 or kind in ("first", "last", "handle"):
        return base + str(rng.randrange(10, 1000))
    return base


@cache
def real_list(rows: int = 12_000, seed: int = 7) -> tuple[dict[str, str], ...]:
    """A realistic customer list, the same for the same arguments."""
    rng = random.Random(seed)
    names = {
        loc: (_zipf(_names(rng, loc, 300, 2), 0.8), _zipf(_names(rng, loc, 500, 3), 0.7))
        for loc in ("us", "de")
    }
    streets = {loc: _names(rng, loc, 150, 2) for loc in ("us", "de")}
    used: set[str] = set()
    out = []
    for _ in range(rows):
        loc = "us" if rng.random() < 0.65 else "de"
        first, last = (rng.choices(pool, cum_weights=cum)[0] for pool, cum in names[loc])
        signup = date(2016, 1, 1) + timedelta(days=rng.randrange(3900))
        birth = signup - timedelta(days=int(rng.triangular(18, 85, 34) * 365.25))
        has_birth = rng.random() >= EMPTY_RATES["birth_date"]
        local = _local(rng, first, last, birth if has_birth else None)
        while local in used:  # the mail provider says "taken": add digits
            local += str(rng.randrange(10))
        used.add(local)
        if loc == "us":
            area, exchange = rng.randrange(201, 990), rng.randrange(200, 1000)
            sep = rng.choice(["({}) {}-{}", "{}-{}-{}"])
            phone = "+1 " + sep.format(area, exchange, f"{rng.randrange(10_000):04d}")
            postal = f"{rng.randrange(1000, 99_951):05d}"
            address = f"{rng.randrange(1, 3000)} {rng.choice(streets[loc])} St"
        else:
            phone = f"+49 {rng.choice(['30', '40', '89', '221'])} {rng.randrange(10**6, 10**7)}"
            postal = f"{rng.randrange(10_000, 14_200):05d}"
            address = f"{rng.choice(streets[loc])}straße {rng.randrange(1, 120)}"
        history = "|".join(f"SKU{rng.randrange(100, 1000)}" for _ in range(rng.randint(1, 4)))
        row = {
            "email": f"{local}@{rng.choice(DOMAINS)}",
            "first_name": first,
            "last_name": last,
            "phone": phone,
            "postal_code": postal,
            "postal_address": address,
            "birth_date": birth.isoformat() if has_birth else "",
            "ip_address": f"203.0.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}",
            "loyalty_tier": rng.choices(["bronze", "silver", "gold"], weights=[70, 22, 8])[0],
            "signup_date": signup.isoformat(),
            "purchase_history": history,
        }
        for column, rate in EMPTY_RATES.items():
            if column != "birth_date" and rng.random() < rate:
                row[column] = ""
        out.append(row)
    return tuple(out)


def observe(rows: tuple[dict[str, str], ...], seed: int = 1) -> ListProfile:
    observer = Observer(COLUMNS, len(rows), random.Random(seed))
    for row in rows:
        observer.observe(row)
    return observer.profile()


@cache
def profile() -> ListProfile:
    return observe(real_list())


@cache
def canaries() -> tuple[dict[str, str], ...]:
    return tuple(generate(profile(), 2000, DOMAINS[:3], random.Random(11)))


# -- helpers --------------------------------------------------------------------


def local_of(row: dict[str, str]) -> str:
    return row["email"].rpartition("@")[0]


def classify(row: dict[str, str]) -> tuple[str, str]:
    """(pattern, digit style) of a row's address, read against its own names."""
    f, la = _fold(row["first_name"]), _fold(row["last_name"])
    local = local_of(row).lower()
    core = local.rstrip("0123456789")
    tail = local[len(core) :]
    forms = {
        "first.last": f"{f}.{la}",
        "flast": f"{f[:1]}{la}",
        "first_last": f"{f}_{la}",
        "firstlast": f"{f}{la}",
        "f.last": f"{f[:1]}.{la}",
        "last.first": f"{la}.{f}",
        "firstl": f"{f}{la[:1]}",
        "first": f,
        "last": la,
    }
    kind = next((k for k, v in forms.items() if f and la and core == v), "handle")
    year = row["birth_date"][:4]
    if not tail:
        style = "none"
    elif tail == year:
        style = "birth year"
    elif len(tail) == 2 and tail == year[2:]:
        style = "birth yy"
    else:
        style = f"{min(len(tail), 5)} digits"
    return kind, style


def shares(values: list[str]) -> dict[str, float]:
    return {k: v / len(values) for k, v in Counter(values).items()}


def close(expected: float, actual: float, n: int, slack: float = 0.01) -> bool:
    """Within four binomial standard errors of a sample of `n`, plus `slack` for bias.

    The slack covers what the hard rules cost: a candidate whose address or
    name pair is taken is redrawn, which shifts rates by well under a point.
    """
    error = math.sqrt(max(expected, 1 / n) * (1 - expected) / n)
    return abs(expected - actual) <= 4 * error + slack


def name_counts(column: str) -> Counter[str]:
    return Counter(row[column].casefold() for row in real_list() if row[column])


# -- the hard rules ---------------------------------------------------------------


def test_every_column_is_present() -> None:
    for row in canaries():
        assert list(row) == COLUMNS
        local, _, domain = row["email"].rpartition("@")
        assert local and domain in DOMAINS[:3]


def test_names_are_shared_by_five_customers() -> None:
    for column in ("first_name", "last_name"):
        counts = name_counts(column)
        assert all(counts[row[column].casefold()] >= 5 for row in canaries() if row[column])


def test_no_real_name_pair_and_no_pair_twice() -> None:
    real = {(r["first_name"].casefold(), r["last_name"].casefold()) for r in real_list()}
    pairs = [(r["first_name"].casefold(), r["last_name"].casefold()) for r in canaries()]
    full = [p for p in pairs if all(p)]
    assert not set(full) & real
    assert len(set(full)) == len(full)


def test_no_real_local_part_and_no_local_part_twice() -> None:
    real = {local_of(r).casefold() for r in real_list()}
    locals_ = [local_of(r).casefold() for r in canaries()]
    assert not set(locals_) & real
    assert len(set(locals_)) == len(locals_)


def test_avoid_locals_are_avoided() -> None:
    first = generate(profile(), 50, DOMAINS, random.Random(3))
    avoid = [local_of(r).upper() for r in first]  # compared case-folded
    again = generate(profile(), 50, DOMAINS, random.Random(3), avoid_locals=avoid)
    assert not {local_of(r).casefold() for r in again} & {a.casefold() for a in avoid}


def test_domains_are_spread_evenly() -> None:
    counts = Counter(r["email"].rpartition("@")[2] for r in canaries())
    assert set(counts) == set(DOMAINS[:3])
    assert max(counts.values()) - min(counts.values()) <= 1


def phone_prefix(phone: str) -> tuple[str, ...]:
    """Country code and area group: what a canary keeps of its donor's number."""
    return tuple(re.findall(r"\d+", phone)[:2])


def test_phones_keep_their_format_but_are_not_real() -> None:
    real = {r["phone"] for r in real_list() if r["phone"]}
    shapes = {re.sub(r"\d", "9", p) for p in real}
    prefixes = {phone_prefix(p) for p in real}
    phones = [r["phone"] for r in canaries() if r["phone"]]
    assert not set(phones) & real
    for phone in phones:
        assert re.sub(r"\d", "9", phone) in shapes
        assert phone_prefix(phone) in prefixes
    assert len({re.sub(r"\d", "9", p) for p in phones}) >= 3  # both US formats and Germany


def test_addresses_keep_the_street_but_not_the_house() -> None:
    real = {r["postal_address"] for r in real_list() if r["postal_address"]}
    streets = {re.sub(r"\d+", "#", a) for a in real}
    addresses = [r["postal_address"] for r in canaries() if r["postal_address"]]
    assert not set(addresses) & real
    assert all(re.sub(r"\d+", "#", a) in streets for a in addresses)


def test_ip_addresses_keep_the_network() -> None:
    networks = {r["ip_address"].rsplit(".", 1)[0] for r in real_list() if r["ip_address"]}
    for row in canaries():
        if row["ip_address"]:
            network, _, host = row["ip_address"].rpartition(".")
            assert network in networks and 1 <= int(host) <= 254


# -- fidelity to the list -------------------------------------------------------------


def test_empty_rates_follow_the_list() -> None:
    n = len(canaries())
    for column in COLUMNS:
        expected = sum(not r[column] for r in real_list()) / len(real_list())
        actual = sum(not r[column] for r in canaries()) / n
        assert close(expected, actual, n), column


def test_pattern_digit_and_coherence_rates_follow_the_list() -> None:
    n = len(canaries())
    real = [classify(r) for r in real_list()]
    fake = [classify(r) for r in canaries()]
    for index in (0, 1):  # pattern, digit style
        expected, actual = shares([c[index] for c in real]), shares([c[index] for c in fake])
        for key in expected.keys() | actual.keys():
            assert close(expected.get(key, 0.0), actual.get(key, 0.0), n), key
    coherent = sum(c[0] != "handle" for c in real) / len(real)
    assert close(coherent, sum(c[0] != "handle" for c in fake) / n, n)


def test_handles_look_like_the_lists_handles() -> None:
    def handles(rows: tuple[dict[str, str], ...]) -> list[str]:
        return [local_of(r) for r in rows if classify(r)[0] == "handle" and r["last_name"]]

    real, fake = handles(real_list()), handles(canaries())
    for measure in (len, lambda h: sum(ch.isdigit() for ch in h), lambda h: h.count("_")):
        expected = sum(map(measure, real)) / len(real)
        assert abs(sum(map(measure, fake)) / len(fake) - expected) < 0.1 * expected + 0.05
    assert all(h == h.lower() for h in fake)


def test_other_columns_follow_their_spread() -> None:
    n = len(canaries())
    tiers = shares([r["loyalty_tier"] for r in real_list()])
    fake = shares([r["loyalty_tier"] for r in canaries()])
    assert all(close(tiers[t], fake.get(t, 0.0), n) for t in tiers)
    # Country mix of phones, and phones with postcodes of the same country.
    german = [r for r in canaries() if r["phone"].startswith("+49")]
    assert close(
        sum(r["phone"].startswith("+49") for r in real_list()) / 12_000, len(german) / n, n
    )
    assert all(10_000 <= int(r["postal_code"]) < 14_200 for r in german)
    signups = sorted(r["signup_date"] for r in real_list())
    for row in canaries():
        assert signups[0] <= row["signup_date"] <= signups[-1]
        if row["birth_date"]:
            age = date.fromisoformat(row["signup_date"]) - date.fromisoformat(row["birth_date"])
            assert age.days >= 17.9 * 365.25  # the list's customers are adults at signup


def test_name_frequencies_follow_the_list() -> None:
    # Quartiles of how common a canary's names are, against real rows with eligible
    # names. Loose bounds: the commonest pairs all exist, so canaries built on
    # the commonest names must move to somewhat rarer ones.
    for column in ("first_name", "last_name"):
        counts = name_counts(column)
        real = sorted(
            counts[r[column].casefold()]
            for r in real_list()
            if counts.get(r[column].casefold(), 0) >= 5
        )
        fake = sorted(counts[r[column].casefold()] for r in canaries() if r[column])
        for q in (0.25, 0.5, 0.75):
            expected, actual = real[int(q * len(real))], fake[int(q * len(fake))]
            assert 0.6 * expected <= actual <= 1.6 * expected, (column, q)


# -- properties, determinism and errors ---------------------------------------------


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32), count=st.integers(1, 40), domains=st.integers(1, 4))
def test_rules_hold_for_any_seed(seed: int, count: int, domains: int) -> None:
    rows = generate(profile(), count, DOMAINS[:domains], random.Random(seed))
    real_pairs = {(r["first_name"].casefold(), r["last_name"].casefold()) for r in real_list()}
    real_locals = {local_of(r).casefold() for r in real_list()}
    firsts, lasts = name_counts("first_name"), name_counts("last_name")
    assert len(rows) == count
    locals_ = [local_of(r).casefold() for r in rows]
    assert len(set(locals_)) == count and not set(locals_) & real_locals
    for row in rows:
        assert firsts[row["first_name"].casefold()] >= 5
        assert not row["last_name"] or lasts[row["last_name"].casefold()] >= 5
        pair = (row["first_name"].casefold(), row["last_name"].casefold())
        assert not pair[1] or pair not in real_pairs
    spread = Counter(r["email"].rpartition("@")[2] for r in rows)
    assert max(spread.values()) - min(spread.values(), default=0) <= 1


def test_deterministic_for_a_seed() -> None:
    a = generate(profile(), 200, DOMAINS, random.Random(99))
    b = generate(profile(), 200, DOMAINS, random.Random(99))
    assert a == b
    rows = real_list(2000, seed=3)
    again = generate(observe(rows, seed=4), 30, DOMAINS, random.Random(5))
    assert generate(observe(rows, seed=4), 30, DOMAINS, random.Random(5)) == again
    assert generate(profile(), 200, DOMAINS, random.Random(100)) != a


def test_a_tiny_list_cannot_hide_canaries() -> None:
    rows = tuple(
        {**r, "first_name": f"Name{i}", "last_name": f"Family{i}"}
        for i, r in enumerate(real_list()[:40])
    )
    with pytest.raises(InvalidInput, match="5 or more customers"):
        generate(observe(rows), 1, DOMAINS, random.Random(1))
    assert generate(observe(rows), 0, DOMAINS, random.Random(1)) == []


def test_a_list_without_addresses_cannot_hide_canaries() -> None:
    observer = Observer(["first_name", "last_name"], 10, random.Random(1))
    for _ in range(10):
        observer.observe({"first_name": "Ann", "last_name": "Lee"})
    with pytest.raises(InvalidInput, match="no email column"):
        generate(observer.profile(), 1, DOMAINS, random.Random(1))


@pytest.mark.parametrize(
    ("count", "domains"),
    [(-1, DOMAINS), (1.5, DOMAINS), (1, ()), (1, "mail.example"), (1, ["a@b.example"]), (1, [""])],
)
def test_generate_rejects_bad_arguments(count: object, domains: object) -> None:
    with pytest.raises(InvalidInput):
        generate(profile(), count, domains, random.Random(1))  # type: ignore[arg-type]


# -- the observer and its profile -----------------------------------------------------


def test_observer_counts_names_exactly_and_samples_rows() -> None:
    observer = Observer(["email", "first_name"], 1000, random.Random(1), sample_size=100)
    for i in range(1000):
        name = "Anna" if i % 4 else ("ANNA" if i % 8 else "anna")
        observer.observe({"email": f"a{i}@x.example", "first_name": name, "other": "x"})
    result = observer.profile()
    assert result.first_names == {"Anna": 1000}  # case-folded, most common spelling
    assert result.rows == 1000 and len(result.sample) == 100
    assert len({row["email"] for row in result.sample}) == 100
    assert all(f"a{i}" in result.local_bloom for i in range(1000))
    assert "Anna" not in repr(result) and "a1@" not in repr(result)


def test_observer_rejects_bad_arguments() -> None:
    bad: list[tuple[object, object]] = [([], 10), (["a", "a"], 10), ("email", 10), (["email"], -1)]
    for columns, expected in bad:
        with pytest.raises(InvalidInput):
            Observer(columns, expected, random.Random(1))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        Observer(["email"], 10, random.Random(1), sample_size=0)


def test_missing_and_blank_values_count_as_empty() -> None:
    observer = Observer(["email", "first_name", "phone"], 10, random.Random(1))
    observer.observe({"email": "x@y.example", "first_name": "  "})
    assert observer.profile().sample[0] == {"email": "x@y.example", "first_name": "", "phone": ""}


# -- the Bloom filter -------------------------------------------------------------------


def test_bloom_has_no_false_negatives_and_few_false_positives() -> None:
    bloom = BloomFilter(20_000, 0.001, salt=b"test-salt")
    members = [f"member-{i}" for i in range(20_000)]
    for item in members:
        bloom.add(item)
    assert all(item in bloom for item in members)
    others = sum(f"other-{i}" in bloom for i in range(100_000))
    assert 20 <= others <= 250  # 0.1% of 100,000 is 100
    assert bloom.count == 20_000 and bloom.hashes == 10
    assert "member" not in repr(bloom)


def test_bloom_salt_separates_filters() -> None:
    a, b = BloomFilter(100, salt=b"a"), BloomFilter(100, salt=b"b")
    a.add("x")
    b.add("x")
    assert a._bits != b._bits


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=200), st.binary(min_size=1, max_size=64))
def test_bloom_never_forgets(items: list[str], salt: bytes) -> None:
    bloom = BloomFilter(len(items), salt=salt)
    for item in items:
        bloom.add(item)
    assert all(item in bloom for item in items)


def test_bloom_rejects_bad_arguments() -> None:
    for kwargs in (
        {"capacity": -1},
        {"capacity": 1, "error_rate": 0.0},
        {"capacity": 1, "salt": b""},
    ):
        with pytest.raises(InvalidInput):
            BloomFilter(**{"salt": b"s", **kwargs})  # type: ignore[arg-type]

"""Canaries hidden in an export must be indistinguishable from its real rows.

The attacker holds a leaked export and knows canaries hide in it. This test
plays that attacker: it builds a realistic list (tests/listgen.py, written
independently of trustkeep), hides canaries from trustkeep.canaries in it,
describes every row by features an attacker can compute from the row and the
list alone, and trains a gradient-boosted classifier to tell canaries from
real rows (5-fold stratified cross-validation, ROC AUC; every real row is
used, the classes balanced by weight; categorical features are native
categories of the classifier rather than one-hot columns).

- Without the email domain the AUC must stay below MAX_AUC: the domain is the
  canary's only intended tell, and it is one the custodian controls.
- With the domain the AUC must exceed MIN_AUC_WITH_DOMAIN: a positive control
  that the classifier and the features work.

A third, stronger attacker (the "extended" features: how often the (first,
last) pair, the phone's area code recur in the list, and whether the email's
digits are the row's birth year) is measured and printed, not asserted.

When the AUC is too high the failure names the features that give the
canaries away (permutation importance on a held-out split).

The feature code here is the one copy; bench/canary_auc.py imports it.
"""

from __future__ import annotations

import random
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from threadpoolctl import threadpool_limits

from listgen import STYLES, columns, make_list
from trustkeep.canaries import Observer, generate

REAL_ROWS = 6000
CANARY_COUNT = 600
CANARY_DOMAINS = ("nw-members.example", "club-mail.example")
MAX_AUC = 0.65
MAX_AUC_HELD_OUT = 0.58  # the attacker's own false alarm: held-out real rows score ~0.5
MIN_AUC_WITH_DOMAIN = 0.9
SEED = 7
FOLDS = 5

Row = dict[str, str]
CanarySource = Callable[[list[Row], Sequence[str], int, Sequence[str], int], list[Row]]


# --------------------------------------------------------------------------- canaries


def trustkeep_canaries(
    real: list[Row], cols: Sequence[str], count: int, domains: Sequence[str], seed: int
) -> list[Row]:
    """Canaries from trustkeep.canaries, the way an export makes them."""
    observer = Observer(cols, expected_rows=len(real), rng=random.Random(f"observe:{seed}"))
    for row in real:
        observer.observe(row)
    return generate(observer.profile(), count, domains, random.Random(f"generate:{seed}"))


def held_out_real_rows(style: str) -> CanarySource:
    """A perfect generator: more real rows from the same list, moved to the canary domains."""

    def source(
        real: list[Row], cols: Sequence[str], count: int, domains: Sequence[str], seed: int
    ) -> list[Row]:
        rows = make_list(style, len(real) + count, seed)
        assert rows[: len(real)] == real
        rng = random.Random(f"held-out:{seed}")
        return [
            {**row, "email": f"{row['email'].rpartition('@')[0]}@{rng.choice(domains)}"}
            for row in rows[len(real) :]
        ]

    return source


def exported_list(
    style: str, seed: int, real_rows: int, canary_count: int, source: CanarySource
) -> tuple[list[Row], np.ndarray]:
    """The shuffled export (real rows and canaries) and its labels (1 = canary)."""
    cols = columns(style)
    real = make_list(style, real_rows, seed)
    canaries = source(real, cols, canary_count, CANARY_DOMAINS, seed)
    assert len(canaries) == canary_count
    for canary in canaries:
        assert set(canary) == set(cols), canary
        assert canary["email"].rpartition("@")[2] in CANARY_DOMAINS, canary["email"]
    labelled = [(row, 0) for row in real] + [(row, 1) for row in canaries]
    random.Random(f"shuffle:{seed}").shuffle(labelled)
    return [row for row, _ in labelled], np.array([label for _, label in labelled])


# --------------------------------------------------------------------------- features


def fold_text(text: str) -> str:
    """Case-folded, accents dropped, ß -> ss."""
    text = text.casefold().replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_forms(name: str) -> list[str]:
    """How a name can appear in an email: müller, mueller; jean-pierre, jeanpierre, jean, pierre."""
    lowered = name.casefold()
    spellings = {lowered, lowered.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")}
    forms: set[str] = set()
    for spelling in spellings:
        folded = fold_text(spelling)
        forms.add(re.sub(r"[^a-z0-9]", "", folded))
        forms.add(re.sub(r"[^a-z0-9-]", "", folded.replace(" ", "")))
        forms.update(re.sub(r"[^a-z0-9]", "", part) for part in re.split(r"[\s'-]+", folded))
    return sorted((form for form in forms if len(form) >= 2), key=lambda f: (-len(f), f))


def local_pattern(local: str, first: str, last: str) -> str:
    """The local part's pattern relative to the row's own names: first.last, flast+2d, handle..."""
    match = re.fullmatch(r"(.*?)(\d*)", local.casefold())
    assert match
    stem, digits = match.group(1).rstrip("._-"), match.group(2)
    suffix = f"+{min(len(digits), 4)}d" if digits else ""
    firsts, lasts = name_forms(first), name_forms(last)
    for f in firsts:
        for ln in lasts:
            for sep in ("", ".", "_", "-"):
                candidates = {
                    f"{f}{sep}{ln}": "first{}last",
                    f"{ln}{sep}{f}": "last{}first",
                    f"{f[0]}{sep}{ln}": "f{}last",
                    f"{f}{sep}{ln[0]}": "first{}l",
                }
                if stem in candidates:
                    return candidates[stem].format(sep) + suffix
    if stem in firsts:
        return "first" + suffix
    if stem in lasts:
        return "last" + suffix
    flat = re.sub(r"[^a-z0-9]", "", stem)
    has_first = any(f in flat for f in firsts)
    has_last = any(ln in flat for ln in lasts)
    if has_first and has_last:
        return "names+other" + suffix
    if has_first:
        return "first+other" + suffix
    if has_last:
        return "last+other" + suffix
    return "handle" + suffix


def is_coherent(local: str, first: str, last: str) -> bool:
    """Does the local part contain the row's first or last name (case and accents folded)?"""
    flat = re.sub(r"[^a-z0-9]", "", fold_text(local))
    return any(form in flat for form in name_forms(first) + name_forms(last))


def shape(text: str) -> str:
    """Digits -> 9, letters -> A, the rest kept: "(212) 555-0134" -> "(999) 999-9999"."""
    return re.sub(r"[^\W\d_]", "A", re.sub(r"\d", "9", text))


def phone_area(phone: str) -> str:
    """The area code (or mobile prefix) of a phone in national form, "" if none."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+"):
        for code in ("1", "44", "49", "33"):
            if digits.startswith(code):
                digits = digits[len(code) :] if code == "1" else "0" + digits[len(code) :]
                break
    elif len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits[:4] if digits.startswith("0") else digits[:3]


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Feature:
    name: str
    values: list[Any]
    categorical: bool
    group: str  # "base", "domain" or "extended"


@dataclass(frozen=True)
class Features:
    names: list[str]
    matrix: np.ndarray
    categorical: np.ndarray


GROUPS = {
    "without_domain": ("base",),
    "with_domain": ("base", "domain"),
    "extended": ("base", "extended"),
}


def row_features(rows: Sequence[Row]) -> list[Feature]:
    """Every feature of every row, computed from the rows' fields and the whole list only."""
    nan = float("nan")
    cols = list(rows[0])
    firsts = [fold_text(row.get("first_name", "")) for row in rows]
    lasts = [fold_text(row.get("last_name", "")) for row in rows]
    first_count, last_count = Counter(firsts), Counter(lasts)
    pair_count = Counter(zip(firsts, lasts, strict=True))
    postal_count = Counter(fold_text(row.get("postal_code", "")) for row in rows)
    areas = [phone_area(row.get("phone", "")) for row in rows]
    area_count = Counter(areas)

    out: dict[str, tuple[list[Any], bool, str]] = {}

    def add(name: str, value: float | str, categorical: bool = False, group: str = "base") -> None:
        out.setdefault(name, ([], categorical, group))[0].append(value)

    for i, row in enumerate(rows):
        local, _, domain = row["email"].rpartition("@")
        first, last = row.get("first_name", ""), row.get("last_name", "")
        add("local_length", len(local))
        add("local_digits", sum(c.isdigit() for c in local))
        add("local_trailing_digits", len(local) - len(local.rstrip("0123456789")))
        add("local_dots", local.count("."))
        add("local_underscores", local.count("_"))
        add("local_hyphens", local.count("-"))
        add("local_has_upper", float(local != local.lower()))
        add("local_starts_with_digit", float(local[:1].isdigit()))
        add("local_pattern", local_pattern(local, first, last), categorical=True)
        add("local_coherent", float(is_coherent(local, first, last)))
        add("first_name_frequency", first_count[firsts[i]] if firsts[i] else 0)
        add("last_name_frequency", last_count[lasts[i]] if lasts[i] else 0)
        add("first_name_length", len(first))
        add("last_name_length", len(last))
        phone = row.get("phone", "")
        add("phone_shape", shape(phone), categorical=True)
        add("phone_length", sum(c.isdigit() for c in phone))
        postal = row.get("postal_code", "")
        add("postal_shape", shape(postal), categorical=True)
        add("postal_frequency", postal_count[fold_text(postal)] if postal else 0)
        signup = _iso_date(row.get("signup_date", ""))
        add("signup_ordinal", signup.toordinal() if signup else nan)
        add("signup_month", signup.month if signup else nan)
        add("loyalty_tier", row.get("loyalty_tier", ""), categorical=True)
        birth = _iso_date(row.get("birth_date", ""))
        if "birth_date" in cols:
            add("birth_year", birth.year if birth else nan)
        for col in cols:
            if col != "email":
                add(f"empty_{col}", float(row.get(col, "") == ""))

        add("domain", domain.casefold(), categorical=True, group="domain")
        add("domain_is_canary", float(domain.casefold() in CANARY_DOMAINS), group="domain")

        add("name_pair_frequency", pair_count[firsts[i], lasts[i]], group="extended")
        add("phone_area_frequency", area_count[areas[i]] if areas[i] else 0, group="extended")
        if "birth_date" in cols:
            digits = re.sub(r"\D", "", local)
            year = f"{birth.year}" if birth else "-"
            has_year = year in digits or digits.endswith(year[2:]) if birth else nan
            add("email_has_birth_year", float(has_year), group="extended")

    return [Feature(name, vals, cat, group) for name, (vals, cat, group) in out.items()]


def category_codes(values: Sequence[str], min_count: int = 5, limit: int = 200) -> np.ndarray:
    """Ordinal codes for a categorical feature; categories seen < min_count times share one."""
    counts = Counter(values)
    kept = sorted((v for v, c in counts.items() if c >= min_count), key=lambda v: (-counts[v], v))
    code = {value: float(i) for i, value in enumerate(kept[:limit])}
    other = float(len(code))
    return np.array([code.get(value, other) for value in values], dtype=float)


def select(features: Sequence[Feature], groups: Sequence[str]) -> Features:
    """The matrix of the features in `groups`, constant columns left out."""
    names, columns_, categorical = [], [], []
    for feature in features:
        if feature.group not in groups:
            continue
        if feature.categorical:
            column = category_codes(feature.values)
        else:
            column = np.asarray(feature.values, dtype=float)
        if np.unique(column[~np.isnan(column)]).size < 2:
            continue
        names.append(feature.name)
        columns_.append(column)
        categorical.append(feature.categorical)
    return Features(names, np.column_stack(columns_), np.array(categorical))


# --------------------------------------------------------------------------- classifier


def classifier(categorical: np.ndarray, seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=100,
        max_leaf_nodes=15,
        categorical_features=categorical,
        class_weight="balanced",
        early_stopping=False,
        random_state=seed,
    )


def cv_auc(features: Features, labels: np.ndarray, seed: int) -> float:
    """Mean ROC AUC over stratified folds."""
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    scores = cross_val_score(
        classifier(features.categorical, seed),
        features.matrix,
        labels,
        cv=folds,
        scoring="roc_auc",
        n_jobs=1,
    )
    return float(np.mean(scores))


def distinguishing_features(
    features: Features, labels: np.ndarray, seed: int, top: int = 6
) -> list[tuple[str, float]]:
    """The features whose permutation costs the classifier most AUC on held-out rows."""
    x_train, x_test, y_train, y_test = train_test_split(
        features.matrix, labels, test_size=0.3, stratify=labels, random_state=seed
    )
    model = classifier(features.categorical, seed).fit(x_train, y_train)
    result = permutation_importance(
        model, x_test, y_test, scoring="roc_auc", n_repeats=5, random_state=seed, n_jobs=1
    )
    order = np.argsort(-result.importances_mean, kind="stable")[:top]
    return [(features.names[i], float(result.importances_mean[i])) for i in order]


@dataclass(frozen=True)
class Attack:
    style: str
    seed: int
    aucs: dict[str, float]  # feature set (a GROUPS key) -> mean cross-validated AUC
    seconds: float
    features: list[Feature]
    labels: np.ndarray

    @property
    def auc(self) -> float:
        """Without the domain: the figure that must stay below MAX_AUC."""
        return self.aucs["without_domain"]

    def distinguishing(
        self, groups: str = "without_domain", top: int = 6
    ) -> list[tuple[str, float]]:
        with threadpool_limits(limits=1, user_api="openmp"):
            return distinguishing_features(
                select(self.features, GROUPS[groups]), self.labels, self.seed, top
            )

    def summary(self) -> str:
        figures = ", ".join(
            f"{name.replace('_', ' ')} {auc:.3f}" for name, auc in self.aucs.items()
        )
        return f"{self.style:<15} seed {self.seed}: AUC {figures} ({self.seconds:.1f} s)"


def attack(
    style: str,
    seed: int = SEED,
    real_rows: int = REAL_ROWS,
    canary_count: int = CANARY_COUNT,
    source: CanarySource = trustkeep_canaries,
    feature_sets: Sequence[str] = ("without_domain", "with_domain"),
) -> Attack:
    """Export a list of `style` with canaries and measure how well they can be told apart.

    One OpenMP thread: on a small, busy machine more threads only spin.
    """
    started = time.perf_counter()
    rows, labels = exported_list(style, seed, real_rows, canary_count, source)
    features = row_features(rows)
    with threadpool_limits(limits=1, user_api="openmp"):
        aucs = {name: cv_auc(select(features, GROUPS[name]), labels, seed) for name in feature_sets}
    return Attack(style, seed, aucs, time.perf_counter() - started, features, labels)


def describe(ranked: Sequence[tuple[str, float]]) -> str:
    return ", ".join(f"{name} ({importance:+.3f})" for name, importance in ranked)


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("style", STYLES)
def test_generated_lists_look_like_customer_lists(style: str) -> None:
    rows = make_list(style, REAL_ROWS, SEED)
    assert make_list(style, 500, SEED) == rows[:500]  # seeded, and a prefix of a longer list
    assert make_list(style, 500, SEED + 1) != rows[:500]
    assert all(tuple(row) == columns(style) for row in rows)
    emails = [row["email"].casefold() for row in rows]
    assert len(set(emails)) == len(emails)
    coherent = np.mean(
        [is_coherent(r["email"].rpartition("@")[0], r["first_name"], r["last_name"]) for r in rows]
    )
    if style == "business":
        assert coherent > 0.9
    else:
        assert 0.6 < coherent < 0.85
    for key in ("first_name", "last_name"):
        counts = Counter(row[key] for row in rows)
        assert sum(c >= 5 for c in counts.values()) >= 120  # many common names ...
        assert 0.02 < np.mean([counts[row[key]] < 5 for row in rows]) < 0.2  # ... and a tail
    for key in ("phone", "postal_code", "loyalty_tier", "birth_date"):
        if key in columns(style):
            assert 0.005 < np.mean([row[key] == "" for row in rows]) < 0.1


@pytest.mark.parametrize("style", STYLES)
def test_canaries_are_indistinguishable_without_the_domain(style: str) -> None:
    result = attack(style)
    print(f"\n[canary AUC] {result.summary()}")
    assert result.aucs["with_domain"] > MIN_AUC_WITH_DOMAIN, (
        f"positive control failed: with the domain the AUC is only {result.aucs['with_domain']:.3f}"
    )
    if result.auc >= MAX_AUC:
        ranked = result.distinguishing()
        print(f"[canary AUC] {style}: distinguishing features: {describe(ranked)}")
        pytest.fail(
            f"{style}: canaries are distinguishable without the domain: AUC {result.auc:.3f}"
            f" >= {MAX_AUC}; the features that give them away (permutation importance, AUC"
            f" lost): {describe(ranked)}"
        )


def test_the_attacker_cannot_tell_held_out_real_rows() -> None:
    """Negative control: the features and classifier have no bias of their own."""
    style = "us_consumer"
    result = attack(style, source=held_out_real_rows(style), feature_sets=("without_domain",))
    print(f"\n[canary AUC] held-out real rows as canaries: {result.summary()}")
    assert result.auc < MAX_AUC_HELD_OUT

"""Bench: the list thief's attack on trustkeep's canaries, per list style, with intervals.

    python bench/canary_attack.py [--rows N] [--canaries C] [--seed S] [--styles STYLE ...]
                                  [--resamples B] [--control] [--strict]

For each style (the four of tests/listgen.py and the two of bench/_attack_lists.py, none
of them written with trustkeep.canaries): make N real rows (20,000 by default), have
trustkeep.canaries make C canaries (400 by default, whatever N) at a canary domain, put
them at seeded random positions in the file, and let a thief who knows canaries hide
there tell them apart by what he can count:

  without domain  tests/canaries/test_indistinguishable.py's features (its base and
                  "extended" sets: name, pair and area frequencies, local-part shape,
                  pattern and name coherence, every column's shape) plus the local part's
                  frequency (whole and without its digits), every other column's value
                  frequency, and the row's position in the file
  with domain     the same and the email domain (reported for the domain work)

The classifier is that test's HistGradientBoostingClassifier, one OpenMP thread; each
row's score comes from stratified 5-fold cross-validation (cross_val_predict), and the
ROC AUC of those scores gets a 95 % percentile bootstrap interval (B = 500 stratified
resamples). Target: upper end of the interval without the domain <= 0.55. A style the
generator refuses (trustkeep.errors.InvalidInput) is reported as refused. --control
replaces the generator by held-out real rows of the same list moved to the canary
domains: the features' own bias, which should give an AUC near 0.5 without the domain. Fixed seeds
and canary counts, so that runs compare. Ends with one `RESULT {json}` line; exits 0
unless --strict and some style misses the target.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from canary_auc import load_attack  # bench/ is on sys.path when this script runs
from trustkeep.errors import InvalidInput

HERE = Path(__file__).resolve().parent
attack = load_attack()  # also puts tests/ on sys.path, for listgen
import listgen  # noqa: E402

sys.path.insert(0, str(HERE))
import _attack_lists  # noqa: E402
from intake_flood import cpu_model  # noqa: E402

TARGET = 0.55
THIEF_GROUPS = ("base", "extended", "thief")
FEATURE_SETS = {"without_domain": THIEF_GROUPS, "with_domain": (*THIEF_GROUPS, "domain")}
Row = dict[str, str]
ListMaker = Callable[[str, int, int], list[Row]]
ColumnsOf = Callable[[str], tuple[str, ...]]

SOURCES: dict[str, tuple[ListMaker, ColumnsOf]] = {
    **{style: (listgen.make_list, listgen.columns) for style in listgen.STYLES},
    **{style: (_attack_lists.make_list, _attack_lists.columns) for style in _attack_lists.STYLES},
}


def held_out_canaries(style: str, rows: int, canaries: int, seed: int) -> list[Row]:
    """A perfect generator (the control): more real rows, moved to the canary domains."""
    make, _ = SOURCES[style]
    rng = random.Random(f"held-out:{seed}")
    return [
        {**row, "email": f"{row['email'].rpartition('@')[0]}@{rng.choice(attack.CANARY_DOMAINS)}"}
        for row in make(style, rows + canaries, seed)[rows:]
    ]


def export_with_canaries(
    style: str, rows: int, canaries: int, seed: int, control: bool = False
) -> tuple[list[Row], np.ndarray]:
    """Real rows with `canaries` canaries at seeded random positions; labels 1 = canary.

    Raises InvalidInput when trustkeep refuses to hide canaries in the list.
    """
    make, columns_of = SOURCES[style]
    real = make(style, rows, seed)
    if control:
        made = held_out_canaries(style, rows, canaries, seed)
    else:
        domains = attack.CANARY_DOMAINS
        made = attack.trustkeep_canaries(real, columns_of(style), canaries, domains, seed)
    total = len(real) + len(made)
    where = set(random.Random(f"positions:{style}:{seed}").sample(range(total), len(made)))
    real_iter, canary_iter = iter(real), iter(made)
    export = [next(canary_iter) if i in where else next(real_iter) for i in range(total)]
    return export, np.array([int(i in where) for i in range(total)])


def thief_features(rows: Sequence[Row]) -> list[Any]:
    """The test's features and what else a thief can count without the domain."""
    features = list(attack.row_features(rows))
    feature = attack.Feature
    locals_ = [attack.fold_text(row["email"].rpartition("@")[0]) for row in rows]
    stems = [re.sub(r"[\d._-]+$", "", local) for local in locals_]
    local_count, stem_count = Counter(locals_), Counter(stems)
    features.append(feature("local_frequency", [local_count[v] for v in locals_], False, "thief"))
    features.append(feature("local_stem_frequency", [stem_count[v] for v in stems], False, "thief"))
    for col in rows[0]:
        if col in ("email", "first_name", "last_name", "postal_code"):  # the test counts these
            continue
        values = [attack.fold_text(row.get(col, "")) for row in rows]
        count = Counter(values)
        freq = [count[v] if v else 0 for v in values]
        features.append(feature(f"{col}_frequency", freq, False, "thief"))
    n = len(rows)
    features.append(feature("position", [i / n for i in range(n)], False, "thief"))
    return features


def cv_scores(features: Any, labels: np.ndarray, seed: int) -> np.ndarray:
    """Each row's canary probability from the fold that did not train on it."""
    folds = StratifiedKFold(n_splits=attack.FOLDS, shuffle=True, random_state=seed)
    model = attack.classifier(features.categorical, seed)
    proba = cross_val_predict(
        model, features.matrix, labels, cv=folds, method="predict_proba", n_jobs=1
    )
    return proba[:, 1]


def bootstrap_auc(
    labels: np.ndarray, scores: np.ndarray, resamples: int, seed: int
) -> tuple[float, float, float]:
    """AUC and its 95 % percentile interval (resampling canaries and real rows apart)."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    aucs = []
    for _ in range(resamples):
        index = np.concatenate(
            [rng.choice(pos, pos.size, replace=True), rng.choice(neg, neg.size, replace=True)]
        )
        aucs.append(roc_auc_score(labels[index], scores[index]))
    lo, hi = np.percentile(aucs, [2.5, 97.5])
    return float(roc_auc_score(labels, scores)), float(lo), float(hi)


def run_style(
    style: str, rows: int, canaries: int, seed: int, resamples: int, top: int, control: bool
) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        export, labels = export_with_canaries(style, rows, canaries, seed, control)
    except InvalidInput as error:
        return {"style": style, "refused": str(error), "seconds": time.perf_counter() - started}
    features = thief_features(export)
    result: dict[str, Any] = {"style": style, "rows": rows, "canaries": int(labels.sum())}
    with threadpool_limits(limits=1, user_api="openmp"):
        for name, groups in FEATURE_SETS.items():
            selected = attack.select(features, groups)
            auc, lo, hi = bootstrap_auc(labels, cv_scores(selected, labels, seed), resamples, seed)
            result[name] = {"auc": auc, "lo": lo, "hi": hi, "features": len(selected.names)}
        if top:
            selected = attack.select(features, FEATURE_SETS["without_domain"])
            ranked = attack.distinguishing_features(selected, labels, seed, top)
            result["top_features"] = {name: round(loss, 4) for name, loss in ranked}
    result["meets_target"] = result["without_domain"]["hi"] <= TARGET
    result["seconds"] = time.perf_counter() - started
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20000, help="real rows per list (20000)")
    parser.add_argument("--canaries", type=int, default=400, help="canaries per list (400)")
    parser.add_argument("--seed", type=int, default=0, help="seed of lists, canaries, CV (0)")
    parser.add_argument("--styles", nargs="+", default=list(SOURCES), choices=list(SOURCES))
    parser.add_argument("--resamples", type=int, default=500, help="bootstrap resamples (500)")
    parser.add_argument("--top", type=int, default=4, help="distinguishing features to show")
    parser.add_argument(
        "--control",
        action="store_true",
        help="negative control: held-out real rows as canaries (expect AUC ~0.5 without domain)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 if a style misses target")
    args = parser.parse_args()

    print(
        f"canary_attack{' CONTROL (held-out real rows as canaries)' if args.control else ''}:"
        f" {args.rows:,} real rows + {args.canaries:,} canaries per list, seed"
        f" {args.seed}, {attack.FOLDS}-fold CV, HistGradientBoostingClassifier (1 thread),"
        f" {args.resamples} bootstrap resamples; target: upper 95 % bound without the"
        f" domain <= {TARGET}; {os.cpu_count()} CPUs ({cpu_model()})\n"
    )
    header = (
        f"{'style':<15} {'rows':>7} {'canaries':>8}  {'AUC without domain':>22}"
        f"  {'AUC with domain':>22}  {'target':>6} {'s':>5}  distinguishing (AUC lost)"
    )
    print(header)
    results = []
    started = time.perf_counter()
    for style in args.styles:
        result = run_style(
            style, args.rows, args.canaries, args.seed, args.resamples, args.top, args.control
        )
        results.append(result)
        if "refused" in result:
            print(f"{style:<15} refused: {result['refused']}", flush=True)
            continue
        bare, domain = result["without_domain"], result["with_domain"]
        top = ", ".join(f"{k} {v:+.3f}" for k, v in result.get("top_features", {}).items())
        print(
            f"{style:<15} {result['rows']:>7,} {result['canaries']:>8}"
            f"  {bare['auc']:.3f} [{bare['lo']:.3f}, {bare['hi']:.3f}]"
            f"  {domain['auc']:>.3f} [{domain['lo']:.3f}, {domain['hi']:.3f}]"
            f"  {'met' if result['meets_target'] else 'missed':>6}"
            f" {result['seconds']:>5.1f}  {top}",
            flush=True,
        )
    seconds = time.perf_counter() - started
    measured = [r for r in results if "refused" not in r]
    missed = [r["style"] for r in measured if not r["meets_target"]]
    refused = [r["style"] for r in results if "refused" in r]
    summary = {
        "rows": args.rows,
        "canaries": args.canaries,
        "seed": args.seed,
        "resamples": args.resamples,
        "control": args.control,
        "target": TARGET,
        "results": results,
        "styles_missing_target": missed,
        "styles_refused": refused,
        "max_upper_without_domain": max(
            (r["without_domain"]["hi"] for r in measured), default=None
        ),
        "seconds": round(seconds, 1),
    }
    print("RESULT " + json.dumps(summary), flush=True)
    print(
        f"canary_attack: {len(measured) - len(missed)}/{len(measured)} measured styles meet the"
        f" target (upper bound <= {TARGET} without the domain)"
        f"{'; missed: ' + ', '.join(missed) if missed else ''}"
        f"{'; refused: ' + ', '.join(refused) if refused else ''}; {seconds:.0f} s"
    )
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())

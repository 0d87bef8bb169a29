"""Bench: can an attacker tell trustkeep's canaries from the real rows of an export?

    python bench/canary_auc.py [--rows N] [--canaries C] [--seeds S ...] [--styles STYLE ...]

For each list style of tests/listgen.py and each seed: make N real rows, hide
C canaries from trustkeep.canaries in them (C = N / 10 by default), and train
the attacker of tests/canaries/test_indistinguishable.py (the one copy of the
features and classifier; imported from there) with 5-fold cross-validation.
Prints the ROC AUC with three feature sets:

  without domain  what must stay below 0.65 (the test's threshold)
  with domain     positive control, expected ~1.0 (canaries live at canary domains)
  extended        a stronger attacker, also without the domain: (first, last)
                  pair frequency, phone area-code frequency, email digits = birth year

and the features that give canaries away without the domain (permutation
importance: the AUC lost on held-out rows when a feature is shuffled). Ends
with one `RESULT {json}` line and a summary line; exits 1 when some AUC
without the domain reaches the threshold or the positive control fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
ATTACK_MODULE = TESTS / "canaries" / "test_indistinguishable.py"


def load_attack() -> ModuleType:
    """The test module, imported by path (tests/ has no packages; listgen sits in tests/)."""
    sys.path.insert(0, str(TESTS))
    spec = importlib.util.spec_from_file_location("canary_attack", ATTACK_MODULE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


def main() -> int:
    attack = load_attack()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=attack.REAL_ROWS, help="real rows per list")
    parser.add_argument("--canaries", type=int, default=None, help="canaries (rows / 10)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="(0 1 2)")
    parser.add_argument("--styles", nargs="+", default=list(attack.STYLES), choices=attack.STYLES)
    parser.add_argument("--top", type=int, default=4, help="distinguishing features to show")
    args = parser.parse_args()
    canaries = args.canaries if args.canaries is not None else max(1, args.rows // 10)
    threshold, control = attack.MAX_AUC, attack.MIN_AUC_WITH_DOMAIN

    print(
        f"canary_auc: {args.rows:,} real rows + {canaries:,} canaries per list,"
        f" {attack.FOLDS}-fold CV, HistGradientBoostingClassifier;"
        f" must be < {threshold} without the domain, > {control} with it\n"
    )
    print(
        f"{'style':<15} {'seed':>4}  {'no domain':>9}  {'domain':>6}  {'extended':>8}  {'s':>5}  "
        "features giving canaries away (AUC lost)"
    )
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    for style in args.styles:
        for seed in args.seeds:
            result = attack.attack(
                style, seed, args.rows, canaries, feature_sets=tuple(attack.GROUPS)
            )
            ranked = result.distinguishing(top=args.top)
            aucs = result.aucs
            bare, domain, extended = (
                aucs[k] for k in ("without_domain", "with_domain", "extended")
            )
            print(
                f"{style:<15} {seed:>4}  {bare:>9.3f}  {domain:>6.3f}  {extended:>8.3f}"
                f"  {result.seconds:>5.1f}  "
                + ", ".join(f"{name} {loss:+.3f}" for name, loss in ranked),
                flush=True,
            )
            runs.append({"style": style, "seed": seed, **aucs, "top_features": dict(ranked)})

    print()
    for style in args.styles:
        mine = [run for run in runs if run["style"] == style]
        means = {key: sum(run[key] for run in mine) / len(mine) for key in attack.GROUPS}
        print(
            f"  {style:<15} mean over {len(mine)} seeds: no domain {means['without_domain']:.3f},"
            f" with domain {means['with_domain']:.3f}, extended {means['extended']:.3f}"
        )
    worst = max(runs, key=lambda run: run["without_domain"])
    over = sorted({run["style"] for run in runs if run["without_domain"] >= threshold})
    min_domain = min(run["with_domain"] for run in runs)
    ok = not over and min_domain > control
    result_json = {
        "rows": args.rows,
        "canaries": canaries,
        "threshold": threshold,
        "runs": runs,
        "worst": {"style": worst["style"], "seed": worst["seed"], "auc": worst["without_domain"]},
        "styles_over_threshold": over,
        "min_auc_with_domain": min_domain,
        "max_auc_extended": max(run["extended"] for run in runs),
        "seconds": round(time.perf_counter() - started, 1),
        "ok": ok,
    }
    print("RESULT " + json.dumps(result_json), flush=True)
    print(
        f"canary_auc: {'ok' if ok else 'FAIL'}: worst AUC without the domain"
        f" {worst['without_domain']:.3f} ({worst['style']}, seed {worst['seed']});"
        f" {len(over)}/{len(args.styles)} styles reach {threshold}"
        f"{' (' + ', '.join(over) + ')' if over else ''};"
        f" min AUC with the domain {min_domain:.3f}; max extended"
        f" {result_json['max_auc_extended']:.3f}; {result_json['seconds']:.0f} s"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Run Kehu's de-duplication engine on a benchmark directory, time it and score it.

    python bench/dedup/run.py [--data ../shared/bench/dedup/public] [--out bench/out/kehu.csv]
                              [--halves] [--errors tune] [--json]

Times ``kehu.dedup.engine.match_files`` in a fresh process (CSV read and write included),
then scores the pairs with the benchmark's own ``score.py``. ``--halves`` also scores the
two halves used to avoid over-fitting: incoming rows are split by a hash of their entity,
"tune" is the half thresholds were fitted on, "holdout" the half reported untouched.
``--errors tune`` prints the false pairs and misses of the tuning half only.
"""

import argparse
import csv
import hashlib
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent.parent / "shared" / "bench" / "dedup" / "public"
if not DEFAULT_DATA.exists():
    DEFAULT_DATA = Path("/work/shared/bench/dedup/public")


def load_scorer(path: Path):
    spec = importlib.util.spec_from_file_location("dedup_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def half_of(entity: str) -> str:
    return "tune" if hashlib.md5(entity.encode(), usedforsecurity=False).digest()[0] % 2 == 0 else "holdout"


def run_engine(data: Path, out: Path) -> float:
    """Wall seconds of one ``kehu.dedup.engine`` run; CPU seconds are kept in LAST_CPU."""
    out.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cpu_before = _children_cpu()
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "kehu.dedup.engine",
            "--existing",
            str(data / "existing.csv"),
            "--incoming",
            str(data / "incoming.csv"),
            "--out",
            str(out),
        ],
        check=True,
        env=env,
    )
    wall = time.perf_counter() - started
    LAST_CPU[0] = _children_cpu() - cpu_before
    return wall


LAST_CPU = [0.0]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def score_halves(scorer, data: Path, pred: Path) -> dict:
    t_ex = scorer.read_truth(data / "truth_existing.csv")
    t_in = scorer.read_truth(data / "truth_incoming.csv")
    true_ie, true_ii = scorer.truth_pairs(t_ex, t_in)
    pred_ie, pred_ii, _ = scorer.read_pred(pred, t_ex, t_in)

    def half(pair):
        lead = min(x for x in pair if x in t_in)
        return half_of(t_in[lead])

    def sel(pairs, name):
        return {p for p in pairs if half(p) == name}

    result = {}
    for name in ("tune", "holdout"):
        result[name] = {
            "incoming_existing": scorer.prf(sel(pred_ie, name), sel(true_ie, name)),
            "incoming_incoming": scorer.prf(sel(pred_ii, name), sel(true_ii, name)),
            "overall": scorer.prf(sel(pred_ie | pred_ii, name), sel(true_ie | true_ii, name)),
        }
    return result


def print_errors(scorer, data: Path, pred: Path, which: str) -> None:
    t_ex = scorer.read_truth(data / "truth_existing.csv")
    t_in = scorer.read_truth(data / "truth_incoming.csv")
    true_ie, true_ii = scorer.truth_pairs(t_ex, t_in)
    pred_ie, pred_ii, _ = scorer.read_pred(pred, t_ex, t_in)
    rows = {}
    for name in ("existing.csv", "incoming.csv"):
        with open(data / name, newline="", encoding="utf-8-sig") as f:
            for r in csv.DictReader(f):
                rows[r["id"]] = r
    entity = {**t_ex, **t_in}
    cols = ["kind", "name", "company", "phone", "email", "id_number", "credit_code", "address", "city"]

    def keep(pair):
        lead = min(x for x in pair if x in t_in)
        return half_of(t_in[lead]) == which

    def show(i):
        return f"  {i} {entity[i]} " + " | ".join(rows[i][c] for c in cols)

    for label, pairs in (
        ("FALSE PAIR", (pred_ie | pred_ii) - (true_ie | true_ii)),
        ("MISSED", (true_ie | true_ii) - (pred_ie | pred_ii)),
    ):
        for a, b in sorted(p for p in pairs if keep(p)):
            print(label)
            print(show(a))
            print(show(b))


def table(title: str, res: dict) -> str:
    lines = [title, f"{'link type':<20}{'precision':>10}{'recall':>10}{'F1':>10}{'TP':>7}{'FP':>6}{'FN':>6}"]
    for k in ("incoming_existing", "incoming_incoming", "overall"):
        m = res[k]
        lines.append(
            f"{k:<20}{m['precision']:>10.4f}{m['recall']:>10.4f}{m['f1']:>10.4f}"
            f"{m['tp']:>7}{m['fp']:>6}{m['fn']:>6}"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--scorer", type=Path, default=DEFAULT_DATA.parent / "score.py")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "kehu-matches.csv")
    ap.add_argument("--halves", action="store_true")
    ap.add_argument("--errors", choices=("tune", "holdout"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-run", action="store_true", help="score an existing --out file")
    a = ap.parse_args(argv)
    scorer = load_scorer(a.scorer)
    wall = None if a.no_run else run_engine(a.data, a.out)
    res, _ = scorer.score(str(a.data), str(a.out))
    report = {"tool": "kehu", "wall_seconds": wall, "cpu_seconds": LAST_CPU[0], "scores": res}
    if a.halves or a.errors:
        report["halves"] = score_halves(scorer, a.data, a.out)
    if a.errors:
        print_errors(scorer, a.data, a.out, a.errors)
    if a.json:
        print(json.dumps(report, indent=2))
        return 0
    if wall is not None:
        print(f"kehu dedup match: {wall:.2f} s wall, {LAST_CPU[0]:.2f} s CPU (all processes)")
    print(table("all incoming rows", res))
    for name, half in report.get("halves", {}).items():
        print(table(f"half: {name}", half))
    return 0


if __name__ == "__main__":
    sys.exit(main())

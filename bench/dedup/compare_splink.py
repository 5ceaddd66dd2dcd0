#!/usr/bin/env python3
"""Kehu and Splink side by side on the same files: precision, recall, F1 and wall time.

    python bench/dedup/compare_splink.py [--data DIR] [--threshold 0.9] [--json]

Run with the Python that has Kehu's dependencies. Splink runs in its own virtualenv,
``bench/.venv-splink`` (git-ignored), created on first use with ``pip install splink duckdb``.
Both tools read the CSVs, match and write their pairs file inside the timed wall.
"""

import argparse
import json
import subprocess
import sys
import time
import venv
from pathlib import Path

from run import DEFAULT_DATA, ROOT, load_scorer, run_engine

HERE = Path(__file__).resolve().parent
VENV = ROOT / "bench" / ".venv-splink"
OUT = ROOT / "bench" / "out"


def splink_python() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "splink", "duckdb"], check=True)
    return python


def run_splink(data: Path, out: Path, threshold: float, sweep: str = "") -> tuple[float, dict]:
    python = splink_python()
    started = time.perf_counter()
    completed = subprocess.run(
        [
            str(python),
            str(HERE / "splink_anchor.py"),
            "--data",
            str(data),
            "--out",
            str(out),
            "--threshold",
            str(threshold),
            "--sweep",
            sweep,
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    return wall, json.loads(completed.stdout.strip().splitlines()[-1])


def version(python: Path) -> str:
    code = "import splink, duckdb; print(splink.__version__, duckdb.__version__)"
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True).stdout.strip()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--scorer", type=Path, default=DEFAULT_DATA.parent / "score.py")
    ap.add_argument("--threshold", type=float, default=0.9, help="Splink match probability to cluster at")
    ap.add_argument("--sweep", default="", help="also score Splink at these thresholds, e.g. 0.5,0.99")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    scorer = load_scorer(a.scorer)
    kehu_out, splink_out = OUT / "kehu-matches.csv", OUT / "splink-matches.csv"

    kehu_wall = run_engine(a.data, kehu_out)
    splink_wall, splink_info = run_splink(a.data, splink_out, a.threshold, a.sweep)
    if a.sweep:  # the process also clustered at the extra thresholds: use the script's own clock
        splink_wall = splink_info["wall_seconds"]
    results = {
        "kehu": {"wall_seconds": kehu_wall, "scores": scorer.score(str(a.data), str(kehu_out))[0]},
        "splink": {
            "wall_seconds": splink_wall,
            "threshold": a.threshold,
            "versions": version(splink_python()),
            "scores": scorer.score(str(a.data), str(splink_out))[0],
            **splink_info,
        },
    }
    if a.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"data: {a.data}   splink {results['splink']['versions']} (splink, duckdb), threshold {a.threshold}"
    )
    print(f"{'link type':<20}{'tool':<8}{'precision':>10}{'recall':>9}{'F1':>9}{'TP':>7}{'FP':>6}{'FN':>6}")
    for kind in ("incoming_existing", "incoming_incoming", "overall"):
        for tool in ("kehu", "splink"):
            m = results[tool]["scores"][kind]
            print(
                f"{kind:<20}{tool:<8}{m['precision']:>10.4f}{m['recall']:>9.4f}{m['f1']:>9.4f}"
                f"{m['tp']:>7}{m['fp']:>6}{m['fn']:>6}"
            )
    print(f"wall time: kehu {kehu_wall:.1f} s, splink {splink_wall:.1f} s")
    for extra in (float(t) for t in a.sweep.split(",") if t):
        path = splink_out.with_name(f"{splink_out.stem}-{extra}{splink_out.suffix}")
        scores = scorer.score(str(a.data), str(path))[0]
        cells = []
        for kind in ("incoming_existing", "incoming_incoming"):
            m = scores[kind]
            cells.append(f"{kind} P {m['precision']:.4f} R {m['recall']:.4f} F1 {m['f1']:.4f}")
        print(f"splink at {extra}: " + ", ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())

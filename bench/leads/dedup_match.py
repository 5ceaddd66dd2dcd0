"""``kehu dedup match`` on the public list-check files, wall time of the whole command.

Runs the real command in a subprocess (Django start-up included), then scores the pairs with
../shared/bench/dedup/score.py.

Usage: .venv/bin/python bench/leads/dedup_match.py [--data /work/shared/bench/dedup/public]
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent.parent / "shared" / "bench" / "dedup" / "public"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = Path(args.data)
    if not data.is_dir():
        data = Path("/work/shared/bench/dedup/public")
    out = ROOT / "bench" / "out" / "matches.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "kehu.settings"}
    command = [sys.executable, "-m", "kehu", "dedup", "match"]
    command += [
        "--existing",
        str(data / "existing.csv"),
        "--incoming",
        str(data / "incoming.csv"),
        "--out",
        str(out),
    ]
    walls = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True)
        walls.append(time.perf_counter() - started)
    print("wall seconds:", ", ".join(f"{w:.1f}" for w in walls), f"(best {min(walls):.1f})")
    score = data.parent / "score.py"
    subprocess.run(
        [sys.executable, str(score), "--data", data.name, "--pred", str(out)], cwd=data.parent, check=True
    )


if __name__ == "__main__":
    main()

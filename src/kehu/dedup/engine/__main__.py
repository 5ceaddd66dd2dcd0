"""``python -m kehu.dedup.engine --existing E.csv --incoming I.csv --out matches.csv``."""

import argparse
import sys
import time

from .files import match_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Match an incoming lead list against existing customers.")
    parser.add_argument("--existing", required=True)
    parser.add_argument("--incoming", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--workers", type=int, help="processes to use (default: 2 where fork() exists)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = match_files(args.existing, args.incoming, args.out, workers=args.workers)
    print(
        f"{result.incoming_count} incoming vs {result.existing_count} existing: {len(result.pairs)} pairs "
        f"in {len(result.groups)} groups, {time.perf_counter() - started:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

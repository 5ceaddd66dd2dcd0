#!/usr/bin/env python3
"""The anchor: what a data team would do with Splink (DuckDB backend) on the same files.

    bench/.venv-splink/bin/python bench/dedup/splink_anchor.py --data DIR --out pairs.csv [--json]

Runs inside its own virtualenv (see compare_splink.py); Splink is not a Kehu dependency and
this script imports nothing from Kehu. The model is a conventional one:

* light cleaning a data team would write in an afternoon: digits-only phones without +86,
  trimmed lower-case e-mail, upper-case identifiers without spaces, names without spaces,
  company names without legal form, brackets and spaces, full-width folded addresses,
  cities without 市;
* link_and_dedupe of existing + incoming, blocking on phone, e-mail, ID number, credit code,
  name + city and company name;
* comparisons for name (with term-frequency adjustment), company, address, city, phone,
  e-mail, ID number, credit code and kind;
* u from random sampling, m by EM on two blocking rules, predict, cluster at the threshold.

Writes incoming→existing and incoming↔incoming pairs of each cluster (same output contract as
``kehu dedup match``) and prints timing.
"""

import argparse
import csv
import json
import re
import time
import unicodedata
from pathlib import Path

LEGAL = re.compile(r"(集团)?(股份有限公司|有限责任公司|有限公司|股份公司|公司)$")


def clean(row: dict) -> dict:
    def fold(value: str) -> str:
        return unicodedata.normalize("NFKC", value or "").strip()

    phone = re.sub(r"\D", "", fold(row["phone"]))
    if phone.startswith("0086"):
        phone = phone[4:]
    elif phone.startswith("86") and len(phone) in (12, 13):
        phone = phone[2:]
    if len(phone) in (9, 10) and not phone.startswith(("0", "1")):
        phone = "0" + phone  # +86 571 … drops the trunk 0
    company = re.sub(r"[\s()（）]", "", fold(row["company"]))
    company = LEGAL.sub("", company)

    def none_if_empty(value: str):
        return value or None

    return {
        "unique_id": row["id"],
        "kind": none_if_empty(fold(row["kind"])),
        "name": none_if_empty(re.sub(r"\s", "", fold(row["name"]))),
        "company": none_if_empty(company),
        "phone": none_if_empty(phone),
        "email": none_if_empty(fold(row["email"]).lower()),
        "id_number": none_if_empty(re.sub(r"\s", "", fold(row["id_number"])).upper()),
        "credit_code": none_if_empty(re.sub(r"\s", "", fold(row["credit_code"])).upper()),
        "address": none_if_empty(re.sub(r"\s", "", fold(row["address"]))),
        "city": none_if_empty(fold(row["city"]).removesuffix("市")),
    }


def read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return [clean(r) for r in csv.DictReader(f)]


def build_settings():
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_and_dedupe",
        blocking_rules_to_generate_predictions=[
            block_on("phone"),
            block_on("email"),
            block_on("id_number"),
            block_on("credit_code"),
            block_on("name", "city"),
            block_on("company"),
        ],
        comparisons=[
            cl.ExactMatch("kind"),
            cl.JaroWinklerAtThresholds("name", [0.9, 0.7]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("company", [0.95, 0.85]),
            cl.LevenshteinAtThresholds("address", [2, 6]),
            cl.ExactMatch("city"),
            cl.ExactMatch("phone"),
            cl.EmailComparison("email"),
            cl.ExactMatch("id_number"),
            cl.ExactMatch("credit_code"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def write_clusters(linker, predictions, threshold: float, out: Path) -> list[tuple[str, str]]:
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    members: dict[str, list[str]] = {}
    for row in clusters.as_record_list():
        members.setdefault(row["cluster_id"], []).append(row["unique_id"])
    pairs = []
    for ids in members.values():
        leads = sorted(i for i in ids if i.startswith("L"))
        held = sorted(i for i in ids if not i.startswith("L"))
        pairs += [(lead, c) for lead in leads for c in held]
        pairs += [(x, y) for n, x in enumerate(leads) for y in leads[n + 1 :]]
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["left_id", "right_id"])
        writer.writerows(pairs)
    return pairs


def run(data: Path, out: Path, threshold: float, sweep: tuple[float, ...] = ()) -> dict:
    from splink import DuckDBAPI, Linker, block_on

    started = time.perf_counter()
    existing, incoming = read(data / "existing.csv"), read(data / "incoming.csv")
    db_api = DuckDBAPI()
    tables = [
        db_api.register(existing, table_name="existing"),
        db_api.register(incoming, table_name="incoming"),
    ]
    linker = Linker(tables, build_settings(), log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match(
        [block_on("phone"), block_on("email"), block_on("credit_code")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in (block_on("phone"), block_on("name", "city"), block_on("company")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    trained = time.perf_counter()

    predictions = linker.inference.predict(threshold_match_probability=0.01)
    pairs = write_clusters(linker, predictions, threshold, out)
    finished = time.perf_counter()
    for extra in sweep:  # outside the timed wall: other thresholds, same model
        write_clusters(linker, predictions, extra, out.with_name(f"{out.stem}-{extra}{out.suffix}"))
    return {
        "tool": "splink",
        "threshold": threshold,
        "wall_seconds": finished - started,
        "training_seconds": trained - started,
        "pairs": len(pairs),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--threshold", type=float, default=0.9, help="match probability to cluster at")
    ap.add_argument("--sweep", default="", help="more thresholds, comma-separated, written to OUT-<t>.csv")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    sweep = tuple(float(t) for t in a.sweep.split(",") if t)
    result = run(a.data, a.out, a.threshold, sweep)
    print(
        json.dumps(result)
        if a.json
        else f"splink: {result['pairs']} pairs, {result['wall_seconds']:.1f} s wall"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Make a harder copy of a dedup benchmark directory, for robustness checks.

    python bench/dedup/perturb.py [--data DIR] [--out bench/out/perturbed] [--seed 7]

The public sample has no traditional script, no short names, no branches, no distinct
companies one character apart and no shared switchboards; the hidden lists may. This adds
them with plain string edits (not with Kehu's parsers) and extends the truth files:

* traditional script: 15 % of incoming and 5 % of existing rows (name, company, address);
* short names (简称): 25 % of incoming company names lose legal form and region, a third of
  those also the industry words;
* branches: 300 new leads "<existing company><district or other city>分公司/办事处/营业部"
  with their own contact, phone and address — new customers;
* near-identical companies: 300 new leads whose company core differs by one character from
  an existing company in the same city, with their own contact details — new customers;
* shared switchboards: 300 new person leads with another name, the same employer and the
  same landline as an existing person — new customers.
"""

import argparse
import csv
import random
import re
import shutil
from pathlib import Path

from opencc import OpenCC

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = Path("/work/shared/bench/dedup/public")
LEGAL = re.compile(r"(集团)?(股份有限公司|有限责任公司|有限公司)$")
BRACKET = re.compile(r"[(（][^()（）]*[)）]")
# Character pool for one-character edits: common characters of company cores.
EDIT_CHARS = "华信达通泰安恒鑫源兴隆盛嘉宏昌凯锐启明瑞丰汇聚佳卓宇辰森川峰海金银云天星光"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宇晨浩然欣怡子涵梓轩"
BRANCH_WORDS = ("分公司", "分公司", "办事处", "营业部")


def read(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames), list(reader)


def write(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(rows)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def mobile(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "186", "177", "199")) + f"{rng.randrange(10**8):08d}"


def short_name(name: str, cities: list[str], industries: list[str], rng: random.Random) -> str:
    text = BRACKET.sub("", LEGAL.sub("", name))
    for city in sorted(cities, key=len, reverse=True):
        if text.startswith(city):
            text = text[len(city) :].lstrip("市")
            break
    if rng.random() < 1 / 3:
        for industry in sorted(industries, key=len, reverse=True):
            if text.endswith(industry) and len(text) - len(industry) >= 2:
                return text[: -len(industry)]
    return text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "perturbed")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    s2t = OpenCC("s2t")
    a.out.mkdir(parents=True, exist_ok=True)

    header, existing = read(a.data / "existing.csv")
    _, incoming = read(a.data / "incoming.csv")
    _, truth_in = read(a.data / "truth_incoming.csv")
    shutil.copy(a.data / "truth_existing.csv", a.out / "truth_existing.csv")

    cities = sorted({r["city"].rstrip("市") for r in existing if r["city"]})
    industries = [
        "供应链管理",
        "企业管理咨询",
        "网络科技",
        "生物科技",
        "信息技术",
        "电子商务",
        "投资管理",
        "文化传媒",
        "建设工程",
        "装饰工程",
        "机械设备",
        "医疗器械",
        "汽车服务",
        "教育科技",
        "环保科技",
        "农业发展",
        "智能科技",
        "数据科技",
        "通信技术",
        "餐饮管理",
        "健康管理",
        "科技",
        "贸易",
        "商贸",
        "电子",
    ]

    for rows, share in ((incoming, 0.15), (existing, 0.05)):
        for r in rows:
            if rng.random() < share:
                for col in ("name", "company", "address"):
                    r[col] = s2t.convert(r[col])
    for r in incoming:
        if r["kind"] == "company" and r["company"] and rng.random() < 0.25:
            r["company"] = short_name(r["company"], cities, industries, rng)

    companies = [r for r in existing if r["kind"] == "company" and r["company"]]
    by_city: dict[str, list[dict]] = {}
    for r in existing:
        if r["address"] and r["city"]:
            by_city.setdefault(r["city"], []).append(r)
    districts = {
        c: sorted({m.group(1) for r in rows if (m := re.search(r"市(.{1,4}?[区县])", r["address"]))})
        for c, rows in by_city.items()
    }
    extra, extra_truth = [], []

    def add(row: dict, kind: str) -> None:
        row = {k: row.get(k, "") for k in header}
        row["id"] = f"L9{len(extra):05d}"
        extra.append(row)
        extra_truth.append({"id": row["id"], "entity": f"NEW-{kind}-{len(extra):05d}"})

    for base in rng.sample(companies, 300):  # branches
        city = base["city"]
        if rng.random() < 0.5 and districts.get(city):
            where, branch_city = rng.choice(districts[city]), city
        else:
            branch_city = rng.choice([c for c in by_city if c != city])
            where = branch_city.rstrip("市")
        other = rng.choice(by_city[branch_city])
        add(
            {
                "kind": "company",
                "name": person_name(rng),
                "company": base["company"] + where + rng.choice(BRANCH_WORDS),
                "phone": mobile(rng),
                "address": other["address"],
                "city": branch_city,
                "source": "SEM",
            },
            "branch",
        )

    for base in rng.sample(companies, 300):  # one character apart
        name = base["company"]
        city = base["city"].rstrip("市")
        start = len(city) if name.startswith(city) else 0
        start += name[start : start + 1] == "市"
        pos = start + rng.randrange(2)
        new_char = rng.choice([c for c in EDIT_CHARS if c != name[pos]])
        other = rng.choice(by_city[base["city"]])
        add(
            {
                "kind": "company",
                "name": person_name(rng),
                "company": name[:pos] + new_char + name[pos + 1 :],
                "phone": mobile(rng),
                "address": other["address"],
                "city": base["city"],
                "source": "展会",
            },
            "onechar",
        )

    switchboards = [
        r
        for r in existing
        if r["kind"] == "person" and r["company"] and re.sub(r"\D", "", r["phone"]).lstrip("86")[:1] == "0"
    ]
    for base in rng.sample(switchboards, min(300, len(switchboards))):  # shared switchboard
        name = person_name(rng)
        while name == base["name"]:
            name = person_name(rng)
        add(
            {
                "kind": "person",
                "name": name,
                "company": base["company"],
                "phone": base["phone"],
                "city": base["city"],
                "source": "400电话",
            },
            "switchboard",
        )

    rng.shuffle(extra)
    write(a.out / "existing.csv", header, existing)
    write(a.out / "incoming.csv", header, incoming + extra)
    write(a.out / "truth_incoming.csv", ["id", "entity"], truth_in + extra_truth)
    print(
        f"wrote {a.out}: {len(existing)} existing, {len(incoming) + len(extra)} incoming ({len(extra)} added)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

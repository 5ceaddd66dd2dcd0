import csv

from kehu.dedup.engine import Clusters, match_files
from kehu.dedup.engine.compare import Match

HEADER = "id,kind,name,company,phone,email,id_number,credit_code,address,city,source\n"


def write(path, rows):
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")


def test_match_files_writes_direct_and_transitive_pairs(tmp_path):
    existing, incoming, out = tmp_path / "E.csv", tmp_path / "I.csv", tmp_path / "M.csv"
    write(
        existing,
        [
            "C1,person,王伟,,13812345678,,,,杭州市西湖区文三路88号5幢2单元301室,杭州,官网",
            "C2,company,李强,杭州尚祈科技有限公司,0571-88123456,,,91330100MA1KF39C23,,杭州,SEM",
            "C3,company,赵敏,杭州尚新科技有限公司,0571-86666666,,,,,杭州,SEM",
        ],
    )
    write(
        incoming,
        [
            "L1,person,王 伟,,+86 138 1234 5678,wangwei@163.com,,,,杭州市,SEM",
            "L2,person,王伟,,,WANGWEI@163.COM,,,,,展会",  # finds L1 by e-mail, hence C1 too
            "L3,company,周红,尚祈科技(杭州)有限公司,13900001111,,,,,杭州,官网",
            "L4,company,孙丽,杭州尚宁科技有限公司,13700002222,,,,,杭州,官网",  # new, one character off
        ],
    )
    match_files(existing, incoming, out)
    with out.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["left_id", "right_id"]
    pairs = {tuple(sorted(r)) for r in rows[1:]}
    assert pairs == {("C1", "L1"), ("C1", "L2"), ("L1", "L2"), ("C2", "L3")}


def _match(a, b, points):
    return Match(a, b, points, "match", ())


def test_clusters_hold_one_existing_record_each():
    clusters = Clusters(existing_ids={"C1", "C2"})
    clusters.add_matches([_match("L1", "C1", 20), _match("L1", "C2", 12), _match("L2", "C2", 15)])
    assert sorted(clusters.groups()) == [["C1", "L1"], ["C2", "L2"]]


def test_clusters_refuse_contradicting_members():
    clusters = Clusters(conflict=lambda x, y: {x, y} == {"L1", "L3"})
    clusters.add_matches([_match("L1", "L2", 12), _match("L2", "L3", 11)])
    assert clusters.groups() == [["L1", "L2"]]


def test_two_processes_give_the_same_pairs(tmp_path, monkeypatch):
    from kehu.dedup.engine import files

    existing, incoming = tmp_path / "E.csv", tmp_path / "I.csv"
    write(existing, [f"C{i},person,王{i}号,,1381234{i:04d},,,,,杭州,官网" for i in range(40)])
    write(incoming, [f"L{i},person,王{i}号,,+86 1381234{i:04d},,,,,杭州,SEM" for i in range(0, 40, 3)])
    monkeypatch.setattr(files, "_MIN_PARALLEL", 0)
    one = match_files(existing, incoming, tmp_path / "one.csv", workers=1)
    two = match_files(existing, incoming, tmp_path / "two.csv", workers=2)
    assert sorted(one.pairs) == sorted(two.pairs)
    assert len(one.pairs) == 14

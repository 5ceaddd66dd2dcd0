import pytest

from kehu.core.normalize.addresses import compare_addresses, parse_address


def parts(raw):
    a = parse_address(raw)
    return (a.road, a.lane, a.number, a.building, a.unit, a.floor, a.room)


def test_admin_prefix_is_split_with_or_without_province():
    a = parse_address("浙江省杭州市西湖区文三路88号5幢2单元301室")
    assert (a.province, a.city, a.district) == ("浙江省", "杭州市", "西湖区")
    b = parse_address("余杭区文三路88号")  # province and city dropped
    assert (b.province, b.city, b.district) == ("浙江省", "杭州市", "余杭区")
    ambiguous = parse_address("西湖区文三路88号")  # 西湖区 exists in Hangzhou and Nanchang
    assert (ambiguous.city, ambiguous.district) == ("", "西湖区")
    c = parse_address("杭州文三路88号")
    assert (c.city, c.road) == ("杭州市", "文三路")


def test_a_road_named_after_a_city_is_a_road():
    assert parse_address("上海路891号").road == "上海路"
    assert parse_address("上海市普陀区北京路196弄46号").road == "北京路"
    assert parse_address("杭州市北京东路5号").road == "北京东路"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("文三路5号5幢2单元301室", "文三路5号5-2-301"),
        ("文三路123号", "文三路123#"),
        ("南京路88弄12号", "南京路88-12号"),
        ("文三路１２３号", "文三路123号"),
        ("杭州市西湖区 文三路 123号", "杭州市西湖区文三路123号"),
        ("文三路5号22幢2单元1404室", "文三路5号22-2-1404"),
    ],
)
def test_equivalent_notations_parse_the_same(a, b):
    assert parts(a) == parts(b)


def test_office_floors():
    room = parse_address("文二路5号国贸大厦2318室")
    floor_f = parse_address("文二路5号国贸大厦23F")
    floor_lou = parse_address("文二路5号国贸大厦23楼2318")
    assert room.floor == floor_f.floor == floor_lou.floor == "23"
    assert room.room == floor_lou.room == "2318"
    assert room.poi == "国贸大厦"
    assert compare_addresses(room, floor_f).level == "floor"
    assert compare_addresses(room, floor_lou).level == "room"
    assert parts("延安路441号财富中心3楼306")[-2:] == ("3", "306")


def test_building_and_floor_forms():
    assert parts("清泰路923#8-8F")[3:6] == ("8", "", "8")
    assert parts("上海路891号7号楼12楼")[3:6] == ("7", "", "12")
    assert parts("秋涛街332号9幢1层")[3:6] == ("9", "", "1")
    assert parse_address("建国路88号A座1201").building == "A"


def test_traditional_script():
    assert parts("浙江省金華市婺城區濱江街842#26棟1903室") == parts("金华市婺城区滨江街842号26幢1903室")


def test_comparison_tolerates_dropped_parts():
    full = parse_address("浙江省杭州市萧山区江晖大道903号22幢2单元1404室")
    assert compare_addresses(full, parse_address("杭州市萧山区江晖大道903号22幢2单元1404室")).level == "room"
    assert compare_addresses(full, parse_address("萧山区江晖大道903号22栋1404室")).level == "room"
    assert compare_addresses(full, parse_address("江晖大道903号22幢")).level == "building"
    assert compare_addresses(full, parse_address("杭州市江晖大道903号")).level == "number"
    assert compare_addresses(full, parse_address("江晖大道")).level == "road"


def test_comparison_flags_contradictions():
    full = parse_address("杭州市萧山区江晖大道903号22幢2单元1404室")
    assert compare_addresses(full, parse_address("杭州市萧山区江晖大道905号")).conflict == "number"
    assert (
        compare_addresses(full, parse_address("杭州市萧山区江晖大道903号22幢2单元1405室")).conflict == "room"
    )
    assert compare_addresses(full, parse_address("杭州市滨江区江晖大道903号")).conflict == "district"
    assert compare_addresses(full, parse_address("宁波市江晖大道903号")).conflict == "city"
    assert compare_addresses(full, parse_address("杭州市萧山区文三路903号")).conflict == "road"
    assert compare_addresses(full, None) is None

from kehu.core.normalize.regions import canonical_city, city_for_area_code, gazetteer, region_for_division


def test_every_province_is_known():
    provinces = {region.name for region in gazetteer().provinces.values()}
    assert len(provinces) == 34


def test_canonical_city():
    assert canonical_city("杭州") == canonical_city("杭州市") == canonical_city("浙江省杭州市") == "杭州市"
    assert canonical_city("北京") == "北京市"
    assert canonical_city("延边") == "延边朝鲜族自治州"
    assert canonical_city("东方") == ""  # too common a word without 市
    assert canonical_city("") == ""


def test_codes():
    assert city_for_area_code("0571") == "杭州市"
    assert region_for_division("330106").name == "杭州市"
    assert region_for_division("310000").name == "上海市"
    assert region_for_division("460000").name == "海南省"

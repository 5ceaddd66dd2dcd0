import pytest

from kehu.core.normalize.companies import company_key, industries_compatible, parse_company


@pytest.mark.parametrize(
    "raw",
    [
        "杭州尚祈科技有限公司",
        "杭州市尚祈科技有限公司",
        "浙江省杭州市尚祈科技有限公司",
        "尚祈科技(杭州)有限公司",
        "尚祈科技（杭州）有限公司",
        "尚祈（杭州）科技有限公司",
        "尚祈科技（杭州市）有限责任公司",
        "杭州尚祈科技股份有限公司",
        "杭州尚祈科技集团有限公司",
        "杭州 尚祈科技 有限公司",
        "杭州尚祈科技有限公司 ",
        "尚祈科技有限公司",
    ],
)
def test_region_and_legal_form_variants_share_the_core(raw):
    name = parse_company(raw)
    assert name.core == "尚祈"
    assert name.industry == ("科技",)
    assert company_key(raw) == "尚祈"


def test_region_is_recorded_wherever_it_appears():
    assert parse_company("杭州尚祈科技有限公司").city == "杭州市"
    assert parse_company("尚祈（杭州）科技有限公司").city == "杭州市"
    assert parse_company("浙江尚祈科技有限公司").province == "浙江省"
    assert parse_company("尚祈科技有限公司").city == ""


def test_traditional_script_and_full_width():
    name = parse_company("臺州華鑫網絡科技有限公司")
    assert (name.core, name.industry, name.city) == ("华鑫", ("网络", "科技"), "台州市")
    assert parse_company("尚祈科技（杭州）有限公司").core == parse_company("尚祈科技(杭州)有限公司").core


def test_short_names_keep_the_core():
    assert parse_company("尚祈科技").core == "尚祈"
    assert parse_company("尚祈").core == "尚祈"
    assert parse_company("尚祈科技").legal_form == ""


def test_compound_industry_words_are_split_off():
    name = parse_company("北京东方峻景文化传媒集团有限公司")
    assert (name.core, name.industry) == ("东方峻景", ("文化", "传媒"))
    assert parse_company("网新恒天网络科技（南京）股份有限公司").core == "网新恒天"


def test_a_place_name_can_be_the_core():
    # 泰安 is a city, but in 杭州泰安健康管理 it is the company's own name.
    assert parse_company("杭州泰安健康管理股份有限公司").core == "泰安"
    assert parse_company("泰安健康管理有限公司").core == "泰安"
    name = parse_company("德阳汽车服务（合肥）有限公司")
    assert (name.core, name.city) == ("德阳", "合肥市")


def test_common_words_that_are_places_are_not_stripped():
    assert parse_company("东方峻景文化传媒有限公司").core == "东方峻景"  # 东方 is also a city in Hainan
    assert parse_company("阿里巴巴（中国）网络技术有限公司").core == "阿里巴巴"


@pytest.mark.parametrize(
    ("raw", "head", "branch"),
    [
        ("杭州尚祈科技有限公司上海分公司", "尚祈", "上海"),
        ("杭州尚祈科技有限公司（上海分公司）", "尚祈", "上海"),
        ("杭州尚祈科技有限公司上海市分公司", "尚祈", "上海"),
        ("杭州尚祈科技有限公司滨江分公司", "尚祈", "滨江"),
        ("招商银行杭州分行", "招商银行", "杭州"),
        ("中国工商银行股份有限公司杭州西湖支行", "中国工商银行", "杭州西湖"),
        ("杭州尚祈科技有限公司北京办事处", "尚祈", "北京"),
    ],
)
def test_branches_keep_the_head_office_core_and_their_location(raw, head, branch):
    name = parse_company(raw)
    assert name.core == head
    assert name.branch == branch
    assert name.is_branch
    assert company_key(raw) == f"{head}/{branch}"
    assert company_key(raw) != company_key("杭州尚祈科技有限公司")


def test_one_character_apart_gives_different_keys():
    assert company_key("杭州尚祈科技有限公司") != company_key("杭州尚新科技有限公司")


def test_industry_compatibility():
    full = parse_company("杭州尚祈网络科技有限公司")
    assert industries_compatible(parse_company("尚祈科技"), full)  # 简称 keeps part of it
    assert industries_compatible(parse_company("尚祈"), full)
    assert not industries_compatible(parse_company("尚祈网络智能科技"), full)  # adds words
    # Two registered names with different trades can both exist.
    assert not industries_compatible(parse_company("锐聚电子有限公司"), parse_company("锐聚电子商务有限公司"))


def test_empty_and_junk():
    assert parse_company("") is None
    assert parse_company("有限公司") is None or parse_company("有限公司").core
    assert company_key("") == ""

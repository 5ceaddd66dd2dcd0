from kehu.core.normalize.names import normalize_person_name, parse_person_name
from kehu.core.normalize.pinyin import name_to_pinyin, to_pinyin


def test_spaces_and_traditional_script():
    assert normalize_person_name("王 伟") == "王伟"
    assert normalize_person_name("張偉") == "张伟"
    assert normalize_person_name("  ") == ""


def test_homophones_share_pinyin():
    assert parse_person_name("杨彬子").pinyin == parse_person_name("扬彬子").pinyin
    assert parse_person_name("林淑英").pinyin == parse_person_name("琳淑英").pinyin
    assert parse_person_name("王伟").pinyin != parse_person_name("王玮伟").pinyin


def test_surname_readings():
    assert name_to_pinyin("曾婕") == "zengjie"
    assert to_pinyin("尚祈") == "shangqi"


def test_forms_of_address_leave_a_partial_name():
    name = parse_person_name("王先生")
    assert (name.text, name.partial) == ("王", True)
    assert parse_person_name("欧阳总").partial
    assert parse_person_name("王伟先生").text == "王伟"
    assert not parse_person_name("王伟先生").partial
    assert parse_person_name("张卫工").text == "张卫工"  # a one-character title only after a surname


def test_latin_names_ignore_order_and_case():
    assert parse_person_name("Wang Wei").text == parse_person_name(" wei  WANG").text

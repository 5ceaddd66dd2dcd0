import random

import pytest
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from kehu.core.normalize import (
    InvalidValue,
    normalize_credit_code,
    normalize_email,
    normalize_org_code,
    normalize_resident_id,
)
from kehu.core.normalize.identifiers import (
    USCC_ALPHABET,
    birth_date_from_resident_id,
    org_code_check_char,
    ric_check_char,
    uscc_check_char,
)


def test_check_characters_agree_with_python_stdnum():
    rng = random.Random(7)
    for _ in range(2000):
        body = (
            "".join(rng.choice(USCC_ALPHABET) for _ in range(2))
            + "".join(rng.choice("0123456789") for _ in range(6))
            + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
        )
        assert uscc_check_char(body) == stdnum_uscc.calc_check_digit(body)
        digits = "".join(rng.choice("0123456789") for _ in range(17))
        assert ric_check_char(digits) == stdnum_ric.calc_check_digit(digits + "0")


VALID_USCC = "91330106MA2GL0TL8" + uscc_check_char("91330106MA2GL0TL8")


@pytest.mark.parametrize(
    "variant",
    [
        VALID_USCC,
        VALID_USCC.lower(),
        " ".join([VALID_USCC[:4], VALID_USCC[4:8], VALID_USCC[8:12], VALID_USCC[12:]]),
        "".join(chr(ord(c) + 0xFEE0) for c in VALID_USCC),  # full width
    ],
)
def test_credit_code_is_normalised(variant):
    assert normalize_credit_code(variant) == VALID_USCC


def test_credit_code_starting_with_letters_is_valid():
    # Registration authorities other than 1/5/9 use letters (A, N, Y …); stdnum rejects these.
    body = "N2330106MA2GL0TL8"
    assert normalize_credit_code(body + uscc_check_char(body)) == body + uscc_check_char(body)


@pytest.mark.parametrize(
    "raw, code",
    [
        ("91330106MA2GL0TL8", "invalid_length"),
        ("91330106MA2GL0TL8I", "invalid_format"),  # I is not in the alphabet
        ("9133A106MA2GL0TL8R", "invalid_format"),  # region part must be digits
        ("", "required"),
    ],
)
def test_credit_code_errors(raw, code):
    with pytest.raises(InvalidValue) as exc:
        normalize_credit_code(raw)
    assert exc.value.code == code
    assert exc.value.message


def test_credit_code_wrong_check_character_names_the_expected_one():
    body = "91330106MA2GL0TL8"
    right = uscc_check_char(body)
    wrong = next(c for c in USCC_ALPHABET if c != right)
    with pytest.raises(InvalidValue) as exc:
        normalize_credit_code(body + wrong)
    assert exc.value.code == "invalid_checksum"
    assert right in exc.value.message


def test_resident_id_number():
    assert normalize_resident_id("11010519491231002x") == "11010519491231002X"
    assert birth_date_from_resident_id("11010519491231002X").isoformat() == "1949-12-31"
    # The first-generation 15-digit number is upgraded to 18 digits.
    assert normalize_resident_id("110105491231002") == "11010519491231002X"


@pytest.mark.parametrize(
    "raw, code",
    [
        ("110105194912310021", "invalid_checksum"),
        ("11010519491331002X", "invalid_birth_date"),  # month 13
        ("99010519491231002X", "invalid_region"),
        ("1101051949123100", "invalid_format"),
    ],
)
def test_resident_id_errors(raw, code):
    with pytest.raises(InvalidValue) as exc:
        normalize_resident_id(raw)
    assert exc.value.code == code


def test_resident_id_of_people_born_before_their_district_existed_is_accepted():
    # 330109 (Xiaoshan District) dates from 2001; people born there earlier keep their numbers.
    body = "33010919500101001"
    assert normalize_resident_id(body + ric_check_char(body)) == body + ric_check_char(body)


def test_organisation_code():
    assert org_code_check_char("D2143569") == "X"
    assert normalize_org_code("d2143569-x") == "D2143569-X"
    with pytest.raises(InvalidValue) as exc:
        normalize_org_code("D21435691")
    assert exc.value.code == "invalid_checksum"


@pytest.mark.parametrize(
    "raw, expected",
    [
        (" Zhang.San@QQ.com ", "zhang.san@qq.com"),
        ("ｌｉ＠１６３．ｃｏｍ", "li@163.com"),
    ],
)
def test_email_normalised(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["zhang", "a@b", "a@@b.com", "a b@c.com@"])
def test_email_rejected(raw):
    with pytest.raises(InvalidValue):
        normalize_email(raw)

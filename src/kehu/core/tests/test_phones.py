import pytest

from kehu.core.normalize import InvalidValue, normalize_phone


@pytest.mark.parametrize(
    "raw, canonical, kind",
    [
        ("13812345678", "13812345678", "mobile"),
        ("+86 138 1234 5678", "13812345678", "mobile"),
        ("+8613812345678", "13812345678", "mobile"),
        ("0086 13812345678", "13812345678", "mobile"),
        ("86-138-1234-5678", "13812345678", "mobile"),
        ("138-1234-5678", "13812345678", "mobile"),
        (" 13812345678 ", "13812345678", "mobile"),
        ("１３８１２３４５６７８", "13812345678", "mobile"),
        ("0571-88123456", "0571-88123456", "landline"),
        ("057188123456", "0571-88123456", "landline"),
        ("(0571)88123456", "0571-88123456", "landline"),
        ("（0571）88123456", "0571-88123456", "landline"),
        ("+86-571-88123456", "0571-88123456", "landline"),
        ("0571 8812 3456", "0571-88123456", "landline"),
        ("010-88123456", "010-88123456", "landline"),
        ("+86 10 88123456", "010-88123456", "landline"),
        ("0571-88123456转801", "0571-88123456-801", "landline"),
        ("400-810-1234", "400-810-1234", "service"),
    ],
)
def test_phone_formats(raw, canonical, kind):
    phone = normalize_phone(raw)
    assert (phone.canonical, phone.kind) == (canonical, kind)
    assert phone.key == canonical.replace("-", "")


@pytest.mark.parametrize(
    "raw, code",
    [
        ("88123456", "missing_area_code"),
        ("1381234567", "invalid_mobile"),
        ("+1 415 555 1234", "foreign_phone"),
        ("abc", "invalid_phone"),
        ("", "required"),
        ("12012345678", "invalid_phone"),
    ],
)
def test_phone_errors(raw, code):
    with pytest.raises(InvalidValue) as exc:
        normalize_phone(raw)
    assert exc.value.code == code
    assert exc.value.message


def test_strict_mode_rejects_unassigned_numbers_and_loose_mode_keeps_them():
    with pytest.raises(InvalidValue) as exc:
        normalize_phone("0300-2345678")
    assert exc.value.code == "unassigned_phone"
    assert normalize_phone("14012345678", strict=False).canonical == "14012345678"


def test_a_179_number_is_refused_not_crashed_on():
    """The numbering-plan parser reads 179xx as a carrier prefix and fails on what is left."""
    with pytest.raises(InvalidValue) as exc:
        normalize_phone("17984008343")
    assert exc.value.code == "unassigned_phone"


def test_mobile_check_agrees_with_the_full_parser():
    import random

    import phonenumbers

    from kehu.core.normalize.phones import _is_assigned

    rng = random.Random(7)
    numbers = [f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" for _ in range(3000)]
    # Mobile numbers are checked once per block of 10,000 (the first seven digits): numbers
    # of one block, and blocks at the edges of the plan's patterns, must each agree too.
    blocks = [f"1{rng.choice('3456789')}{rng.randrange(10**5):05d}" for _ in range(200)]
    blocks += ["1740499", "1740500", "1740599", "1740600", "1610999", "1611000", "1620000", "1650000"]
    numbers += [f"{block}{rng.randrange(10**4):04d}" for block in blocks for _ in range(10)]
    for number in numbers:
        try:
            expected = phonenumbers.is_valid_number(phonenumbers.parse(number, "CN"))
        except phonenumbers.NumberParseException:
            expected = False
        assert _is_assigned(number) == expected, number

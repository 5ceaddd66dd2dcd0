import csv
import io

import pytest

from kehu.accounts.masking import mask_phone
from kehu.customers import services


@pytest.mark.parametrize(
    "raw, masked",
    [
        ("13812345678", "138****5678"),
        ("0571-88123456", "0571-****3456"),
        ("010-88123456", "010-****3456"),
        ("", ""),
    ],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


@pytest.fixture
def customer(org):
    customer = services.create_customer(
        org.sales_a1,
        {"name": "客户甲", "phone": "13812345678", "contacts": [{"name": "联系人", "mobile": "13912345678"}]},
    )
    services.update_customer(org.sales_a1, customer, {"phone": "13700001111"})
    return customer


def test_marketer_sees_masked_numbers_everywhere(org, api, web, customer):
    org.roles["marketer"].capabilities.append("view_audit")
    org.roles["marketer"].save()
    client = api(org.marketer)
    detail = client.get(f"/customers/{customer.pk}").json()
    assert detail["phone"] == "137****1111"
    assert detail["contacts"][0]["mobile"] == "139****5678"
    assert client.get("/customers").json()["items"][0]["phone"] == "137****1111"
    assert client.get(f"/customers/{customer.pk}/contacts").json()[0]["mobile"] == "139****5678"
    audit = client.get(f"/customers/{customer.pk}/audit").json()
    assert "13812345678" not in str(audit) and "13700001111" not in str(audit)
    exported = b"".join(client.get("/customers/export").streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(exported)))[1][4] == "137****1111"
    page = web(org.marketer).get(f"/customers/{customer.pk}/").content.decode()
    assert "137****1111" in page
    for full in ("13700001111", "13912345678", "13812345678"):
        assert full not in page
    assert "13700001111" not in web(org.marketer).get("/customers/").content.decode()


def test_salesperson_with_the_capability_sees_full_numbers(org, api, customer):
    assert api(org.sales_a1).get(f"/customers/{customer.pk}").json()["phone"] == "13700001111"

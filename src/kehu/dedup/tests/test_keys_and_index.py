from kehu.dedup.engine import MemoryIndex, blocking_keys, find_matches

from .factories import company, person


def test_keys_of_a_person():
    p = person(
        name="王 伟",
        phone="+86 138 1234 5678",
        email=" Wang@QQ.com ",
        id_number="33010519621103590x",
        address="杭州市西湖区文三路88号5幢2单元301室",
        city="杭州",
    )
    keys = blocking_keys(p)
    assert "m:13812345678" in keys
    assert "e:wang@qq.com" in keys
    assert "ric:33010519621103590X" in keys
    assert "nm:王伟|杭州市" in keys
    assert "na:王伟|文三路88" in keys
    assert "ar:文三路88#301" in keys


def test_keys_of_a_company():
    c = company(
        company="尚祈科技（杭州）有限公司",
        phone="0571-88123456",
        credit_code="91330100ma1kf39c23",
        email="li@shangqi.com",
        city="杭州",
    )
    keys = blocking_keys(c)
    assert {"t:057188123456", "uscc:91330100MA1KF39C23", "co:尚祈", "cp:shangqi", "ed:shangqi.com"} <= set(
        keys
    )
    assert "cx:尚*|科技|杭州市" in keys


def test_index_finds_variants_and_skips_oversized_keys():
    index = MemoryIndex(max_postings=3)
    target = company(id="C1", company="杭州尚祈科技有限公司", phone="0571-88123456", city="杭州")
    index.add(target)
    for i in range(5):  # a switchboard shared by a whole building
        index.add(company(id=f"X{i}", company=f"杭州公司{i}号", phone="0571-99999999", city="杭州"))
    lead = company(id="L1", company="尚祈科技", phone="0571-99999999", city="杭州市")
    candidate_ids = {p.id for p in index.candidates(lead)}
    assert "C1" in candidate_ids
    assert not candidate_ids & {f"X{i}" for i in range(5)}
    matches = find_matches(index, lead)
    assert [m.right_id for m in matches] == ["C1"]


def test_outcome_prefers_the_customer():
    from kehu.dedup.engine import DUPLICATE_LEAD, EXISTING_CUSTOMER, NEW, decide, match_against

    customer = person(id="C9", name="王伟", phone="13812345678", city="杭州")
    earlier_lead = person(id="L8", name="王伟", phone="13812345678", email="ww@163.com", city="杭州")
    lead = person(id="L9", name="王伟", phone="13812345678", email="ww@163.com", city="杭州")
    matches = match_against(lead, [earlier_lead, customer])
    assert [m.right_id for m in matches] == ["L8", "C9"]  # the lead agrees on more
    outcome = decide(matches, is_customer=lambda record_id: record_id.startswith("C"))
    assert (outcome.status, outcome.target_id) == (EXISTING_CUSTOMER, "C9")
    assert decide(match_against(lead, [earlier_lead]), lambda _: False).status == DUPLICATE_LEAD
    assert decide([], lambda _: False).status == NEW


def test_customers_read_as_rows_make_the_same_records_as_the_models(db, org):
    """``load_customers`` (plain rows, for imports and bulk indexing) and ``customer_record``
    of the model instances (saves) must agree, or a customer's keys would differ by path."""
    from kehu.core import clock
    from kehu.core.models import Region
    from kehu.customers.models import Contact, Customer
    from kehu.dedup import store

    now = clock.now()
    city = Region.objects.filter(level=2).first()
    firm = Customer.objects.create(
        kind="company", name="尚祈科技（杭州）有限公司", phone="0571-88123456", email="info@shangqi.com",
        credit_code="91330100MA1KF39C23", address="文三路88号", city=city, owner=org.sales_a1,
        created_at=now, updated_at=now,
    )  # fmt: skip
    Contact.objects.create(customer=firm, name="李雷", mobile="13812345678", email="li@shangqi.com")
    Contact.objects.create(customer=firm, name="韩梅梅", mobile="13912345678", is_key_person=True)
    person = Customer.objects.create(name="王伟", phone="13712345678", created_at=now, updated_at=now)
    loaded = store.load_customers([firm.pk, person.pk])
    for customer in (firm, person):
        customer = Customer.objects.select_related("city").get(pk=customer.pk)
        assert loaded[customer.pk] == store.customer_record(customer, list(customer.contacts.all()))
    assert loaded[firm.pk].name == "韩梅梅" and "13812345678" in loaded[firm.pk].phone
    assert loaded[firm.pk].city == city.name and loaded[firm.pk].owner == str(org.sales_a1.pk)

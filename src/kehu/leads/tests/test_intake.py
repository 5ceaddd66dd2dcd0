"""The intake pipeline: normalise, validate, grade, de-duplicate, store, notify."""

import pytest

from kehu.core.errors import ValidationFailed
from kehu.customers.models import TimelineEntry
from kehu.dedup.models import DedupKey, DedupMatch
from kehu.leads.models import Lead
from kehu.leads.services import ALREADY_IMPORTED, REJECTED, intake_batch, intake_one, row_key
from kehu.leads.signals import leads_received
from kehu.messaging.models import Notification
from kehu.pool.models import OwnershipEvent, Tenure


def test_new_lead_is_normalised_graded_indexed_and_announced(org, lead_data):
    received = []

    def listener(sender, leads, actor, **kwargs):
        received.extend(leads)

    leads_received.connect(listener)
    try:
        result = intake_one(
            org.marketer, lead_data(phone="+86 (138) 1234-5678", email=" Wang@ShangQi.com "), path="api"
        )
    finally:
        leads_received.disconnect(listener)
    lead = result.lead
    assert result.outcome == "new"
    lead.refresh_from_db()
    assert lead.phone == "13812345678" and lead.phone_key == "13812345678"
    assert lead.email == "wang@shangqi.com"
    assert lead.company_key == "尚祈"
    assert (lead.province.name, lead.city.name, lead.district.name) == ("浙江省", "杭州市", "西湖区")
    assert lead.grade == "A" and lead.score >= 70
    assert lead.owner is None and lead.status == Lead.Status.IN_POOL  # no rules: routing pools it
    assert received == [lead]
    assert DedupKey.objects.filter(record_type=1, record_id=lead.pk).count() >= 3


def test_field_level_errors(org, lead_data):
    with pytest.raises(ValidationFailed) as exc:
        intake_one(
            org.marketer,
            lead_data(phone="12345", email="nope@", credit_code="91330106MA27XXXXXX", urgency="whenever"),
            path="api",
        )
    fields = exc.value.fields
    assert set(fields) >= {"phone", "email", "credit_code", "urgency"}
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    "language, expected",
    [("en", "No such industry: 造火箭."), ("zh-hans", "没有这个行业：造火箭。")],
)
def test_unknown_reference_names_the_field_in_the_users_language(org, lead_data, language, expected):
    from django.utils import translation

    with translation.override(language), pytest.raises(ValidationFailed) as exc:
        intake_one(org.marketer, lead_data(industry="造火箭", demand_type="造火箭"), path="api")
    assert exc.value.fields["industry"] == [expected]
    assert len(exc.value.fields["demand_type"]) == 1 and exc.value.fields["demand_type"] != [expected]


def test_channel_required_fields(org, lead_data):
    with pytest.raises(ValidationFailed) as exc:
        intake_one(org.marketer, lead_data(phone="", email="", address="", demand_type=""), path="api")
    assert set(exc.value.fields) == {"phone", "address", "demand_type"}
    # The website channel needs only a name and a contact method.
    result = intake_one(
        org.marketer, lead_data(channel="website", address="", demand_type="", urgency=""), path="api"
    )
    assert result.outcome == "new"


def test_duplicate_of_lead_is_linked_with_reasons(org, lead_data):
    first = intake_one(org.marketer, lead_data(), path="api").lead
    second = intake_one(org.marketer, lead_data(name="王建國", phone="0086-138-1234-5678"), path="api")
    assert second.outcome == "duplicate_lead"
    assert second.lead.duplicate_of_id == first.pk
    assert second.target == f"L{first.pk}"
    assert "same_mobile" in {r["code"] for r in second.reasons}
    match = DedupMatch.objects.get(lead=second.lead, deciding=True)
    assert match.other_lead_id == first.pk and match.score > 0.5


def test_existing_customer_goes_to_its_owner_timeline(org, lead_data, customer):
    cust = customer(
        owner=org.sales_a2, phone="0571-88123456", address="杭州市西湖区文三路90号东部软件园3幢501室"
    )
    result = intake_one(org.marketer, lead_data(phone="0571 8812 3456"), path="api")
    assert result.outcome == "existing_customer"
    assert result.lead.matched_customer_id == cust.pk
    assert result.lead.owner_id == org.sales_a2.pk
    assert TimelineEntry.objects.filter(customer=cust, kind="lead_matched", ref_id=result.lead.pk).exists()
    assert Notification.objects.filter(recipient=org.sales_a2, kind="lead_matches_customer").exists()
    # Given to the owner through the pool's ledger, with a tenure (deadlines, reclaim).
    event = OwnershipEvent.objects.get(lead=result.lead)
    assert (event.kind, event.to_user_id) == ("assign", org.sales_a2.pk)
    tenure = Tenure.objects.get(lead=result.lead)
    assert tenure.owner_id == org.sales_a2.pk and tenure.since is not None


def test_existing_customer_without_owner_is_routed_at_intake(org, lead_data, customer):
    cust = customer(phone="0571-88123456", address="杭州市西湖区文三路90号东部软件园3幢501室")
    type(cust).objects.filter(pk=cust.pk).update(owner=None)  # in the customer pool
    result = intake_one(org.marketer, lead_data(phone="0571 8812 3456"), path="api")
    assert result.outcome == "existing_customer" and result.lead.matched_customer_id == cust.pk
    lead = Lead.objects.get(pk=result.lead.pk)
    # Not left NEW for the retry sweep: routed now, like any new lead (a person or a pool).
    assert lead.status in (Lead.Status.ASSIGNED, Lead.Status.IN_POOL)
    assert OwnershipEvent.objects.filter(lead=lead).exists()


def test_branch_and_switchboard_stay_apart(org, lead_data):
    intake_one(
        org.marketer, lead_data(channel="website", kind="company", name="", phone="0571-88123456"), path="api"
    )
    branch = intake_one(
        org.marketer,
        lead_data(
            channel="website",
            kind="company",
            name="",
            company="杭州尚祈网络科技有限公司上海分公司",
            phone="0571-88123456",
            email="",
            address="",
        ),
        path="api",
    )
    assert branch.outcome == "new"
    # Two people behind one company switchboard are two leads.
    one = intake_one(
        org.marketer,
        lead_data(
            channel="website",
            name="张永",
            phone="0571-88123400",
            email="",
            address="",
            company="宁波众美电子有限公司",
        ),
        path="api",
    )
    two = intake_one(
        org.marketer,
        lead_data(
            channel="website",
            name="张军",
            phone="0571-88123400",
            email="",
            address="",
            company="宁波众美电子有限公司",
        ),
        path="api",
    )
    assert one.outcome == "new" and two.outcome == "new"


def test_batch_rows_find_each_other_and_keys_make_it_idempotent(org, lead_data):
    rows = [lead_data(), lead_data(name="王建国", phone="13812345678", email=""), lead_data(phone="bad")]
    keys = [row_key("t", i) for i in range(3)]
    results = intake_batch(org.marketer, rows, path="import", keys=keys)
    assert [r.outcome for r in results] == ["new", "duplicate_lead", REJECTED]
    assert results[1].lead.duplicate_of_id == results[0].lead.pk
    assert "phone" in results[2].errors
    again = intake_batch(org.marketer, rows, path="import", keys=keys)
    assert [r.outcome for r in again] == [ALREADY_IMPORTED, ALREADY_IMPORTED, REJECTED]
    assert again[0].lead.pk == results[0].lead.pk
    assert Lead.objects.count() == 2

"""Suspected duplicates (merge, undo) and data scope on every read path."""

import csv
import io

from kehu.core.models import AuditEntry
from kehu.dedup.models import DedupKey, DedupMatch, Merge
from kehu.leads.models import Lead
from kehu.leads.services import intake_one


def _possible_pair(org, lead_data):
    """Same name and city, one-character company typo: worth a look, not certain."""
    a = intake_one(
        org.marketer, lead_data(channel="website", email="a@zm.cn", phone="13800000001"), path="api"
    )
    b = intake_one(
        org.marketer,
        lead_data(channel="website", email="b@zm.cn", phone="13800000002", address="", city="杭州市"),
        path="api",
    )
    return a.lead, b.lead


def test_possible_duplicate_reviewed_merged_and_undone(org, lead_data, web):
    a, b = _possible_pair(org, lead_data)
    match = DedupMatch.objects.filter(lead=b, other_lead=a).first()
    assert match is not None and match.decision == "possible" and match.review == "open"
    client = web(org.marketer)  # unowned leads: visible to an all-scope role
    page = client.get("/leads/duplicates/").content.decode()
    assert f"#{b.pk}" in page and f"#{a.pk}" in page

    Lead.objects.filter(pk=a.pk).update(title="")
    Lead.objects.filter(pk=b.pk).update(title="采购经理")
    r = client.post("/leads/duplicates/merge/", {"match": match.pk})
    assert r.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.archived_at is not None and b.duplicate_of_id == a.pk  # archived, not deleted
    assert a.title == "采购经理"
    assert not DedupKey.objects.filter(record_type=1, record_id=b.pk).exists()
    assert AuditEntry.objects.filter(action="merge").exists()
    assert b.pk not in [x.pk for x in Lead.objects.filter(archived_at__isnull=True)]

    merge = Merge.objects.get()
    assert client.post(f"/leads/duplicates/merges/{merge.pk}/undo/").status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.archived_at is None and b.duplicate_of_id is None and a.title == ""
    assert DedupKey.objects.filter(record_type=1, record_id=b.pk).exists()
    assert DedupMatch.objects.get(pk=match.pk).review == "open"
    assert AuditEntry.objects.filter(action="unmerge").exists()
    # Undoing twice is refused.
    client.post(f"/leads/duplicates/merges/{merge.pk}/undo/")
    assert Merge.objects.get().undone_at is not None


def test_dismiss_and_capability(org, lead_data, web):
    a, b = _possible_pair(org, lead_data)
    match = DedupMatch.objects.get(lead=b, other_lead=a)
    assert web(org.sales_a1).get("/leads/duplicates/").status_code == 403
    assert web(org.sales_a1).post("/leads/duplicates/merge/", {"match": match.pk}).status_code == 302
    assert Lead.objects.get(pk=b.pk).archived_at is None  # refused (no capability / not visible)
    web(org.marketer).post(f"/leads/duplicates/{match.pk}/dismiss/")
    assert DedupMatch.objects.get(pk=match.pk).review == "dismissed"


def test_salesperson_sees_only_own_leads_on_every_path(org, lead_data, web, api):
    mine = intake_one(
        org.sales_a1,
        lead_data(channel="website", name="甲", phone="13811110001", email="", address=""),
        path="form",
    )
    other = intake_one(
        org.sales_a2,
        lead_data(channel="website", name="乙", phone="13811110002", email="", address=""),
        path="form",
    )
    mine, other = mine.lead, other.lead
    assert mine.owner == org.sales_a1 and other.owner == org.sales_a2
    client, rest = web(org.sales_a1), api(org.sales_a1)
    listing = client.get("/leads/").content.decode()
    assert "13811110001"[-4:] in listing or "甲" in listing
    assert "乙" not in listing
    assert client.get(f"/leads/{other.pk}/").status_code == 404
    assert client.get(f"/leads/{other.pk}/edit/").status_code == 404
    assert rest.get(f"/leads/{other.pk}").status_code == 404
    assert rest.patch(f"/leads/{other.pk}", {"notes": "x"}).status_code == 404
    assert [x["id"] for x in rest.get("/leads").json()["items"]] == [mine.pk]
    assert rest.get("/leads", q="13811110002").json()["count"] == 0
    assert f"/leads/{other.pk}/" not in client.get("/leads/?q=13811110002").content.decode()
    # Export (for a role that may export): the manager sees both, a salesperson with the
    # capability still only their own.
    org.sales_a1.role.capabilities = [*org.sales_a1.role.capabilities, "export"]
    org.sales_a1.role.save()
    body = b"".join(web(org.sales_a1).get("/leads/export/?format=csv").streaming_content).decode("utf-8-sig")
    ids = [row[0] for row in csv.reader(io.StringIO(body))][1:]
    assert ids == [str(mine.pk)]
    manager = api(org.manager_east).get("/leads").json()
    assert {x["id"] for x in manager["items"]} == {mine.pk, other.pk}


def test_pages_render(org, lead_data, web):
    lead = intake_one(org.marketer, lead_data(), path="api").lead
    client = web(org.marketer)
    for url in ("/leads/", "/leads/new/", f"/leads/{lead.pk}/", f"/leads/{lead.pk}/edit/", "/leads/import/"):
        assert client.get(url).status_code == 200, url
    r = client.get("/leads/?grade=A&status=in_pool&sort=-score&created_from=2000-01-01&dedup=unique")
    assert str(lead.pk) in r.content.decode()
    assert (
        "没有" in client.get("/leads/?grade=C").content.decode()
        or client.get("/leads/?grade=C").status_code == 200
    )


def test_form_posts_through_intake_and_edit_regrades(org, web):
    client = web(org.sales_a1)
    from kehu.leads.models import Channel

    channel = Channel.objects.get(code="website")
    r = client.post("/leads/new/", {"channel": channel.pk, "name": "钱八", "phone": "bad"})
    assert r.status_code == 200 and "phone" in r.context["form"].errors
    r = client.post("/leads/new/", {"channel": channel.pk, "name": "钱八", "phone": "13912345678"})
    lead = Lead.objects.get()
    assert r.status_code == 302 and lead.intake == "form" and lead.owner == org.sales_a1
    before = lead.score
    r = client.post(
        f"/leads/{lead.pk}/edit/",
        {
            "channel": channel.pk,
            "name": "钱八",
            "phone": "13912345678",
            "urgency": "high",
            "company": "宁波众美电子有限公司",
        },
    )
    assert r.status_code == 302
    lead.refresh_from_db()
    assert lead.score > before and lead.company_key == "众美"

from kehu.pool.models import Limit


def test_claim_and_release_over_the_api(org, api, make_lead, lead_pool):
    lead = make_lead(lead_pool, grade="A")
    client = api(org.sales_a1)
    r = client.post(f"/leads/{lead.pk}/claim")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["owner"]["id"] == org.sales_a1.pk
    assert 0 < body["remaining_seconds"] <= 24 * 3600
    r = api(org.sales_a2).post(f"/leads/{lead.pk}/claim")
    # Owned by a1: a2 no longer sees it at all.
    assert r.status_code == 404
    r = client.post(f"/leads/{lead.pk}/release", {"reason": ""})
    assert r.status_code == 422 and "reason" in r.json()["fields"]
    r = client.post(f"/leads/{lead.pk}/release", {"reason": "wrong contact"})
    assert r.status_code == 200
    r = client.post(f"/leads/{lead.pk}/claim")
    assert r.status_code == 409 and r.json()["code"] == "cooling_off"
    ledger = client.get(f"/leads/{lead.pk}/ownership").json()
    assert [e["kind"] for e in ledger] == ["release", "claim", "pool"]
    assert ledger[0]["reason"] == "wrong contact"


def test_limit_refusal_is_409_with_code(org, api, make_lead, lead_pool):
    Limit.objects.create(user=org.sales_a1, daily_claims=1)
    a, b = make_lead(lead_pool), make_lead(lead_pool)
    client = api(org.sales_a1)
    assert client.post(f"/leads/{a.pk}/claim").status_code == 200
    r = client.post(f"/leads/{b.pk}/claim")
    assert r.status_code == 409
    assert r.json()["code"] == "daily_limit" and "1" in r.json()["message"]


def test_pool_hidden_from_other_department(org, api, make_lead):
    from kehu.pool.models import Pool

    south = Pool.objects.create(name="华南池", kind="lead", department=org.departments["south"])
    lead = make_lead(south)
    assert api(org.sales_a1).post(f"/leads/{lead.pk}/claim").status_code == 404
    assert api(org.sales_a1).get(f"/leads/{lead.pk}/ownership").status_code == 404
    pools = [p["name"] for p in api(org.sales_a1).get("/pools").json()]
    assert "华南池" not in pools
    r = api(org.sales_south).get(f"/pools/{south.pk}/leads")
    assert [i["id"] for i in r.json()["items"]] == [lead.pk]
    assert api(org.sales_south).post(f"/leads/{lead.pk}/claim").status_code == 200

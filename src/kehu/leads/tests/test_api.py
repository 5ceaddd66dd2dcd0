"""The leads API: single and batch intake, list filters, detail with the dedup outcome, update."""


def test_post_lead_and_read_it_back(org, api, lead_data):
    client = api(org.marketer)
    r = client.post("/leads", lead_data())
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["grade"] == "A" and body["dedup"]["outcome"] == "new"
    r2 = client.post("/leads", lead_data(name="王建國", email=""))
    assert r2.status_code == 201
    dedup = r2.json()["dedup"]
    assert dedup["outcome"] == "duplicate_lead" and dedup["duplicate_of"] == body["id"]
    assert any(reason["code"] == "same_mobile" and reason["text"] for reason in dedup["reasons"])
    assert client.get(f"/leads/{r2.json()['id']}").json()["dedup"]["duplicate_of"] == body["id"]


def test_field_errors_are_422(org, api, lead_data):
    r = api(org.marketer).post("/leads", lead_data(phone="12", channel="nope"))
    assert r.status_code == 422
    assert set(r.json()["fields"]) >= {"phone", "channel"}


def test_intake_key_is_idempotent(org, api, lead_data):
    client = api(org.marketer)
    first = client.post("/leads", lead_data(intake_key="form-42"))
    again = client.post("/leads", lead_data(intake_key="form-42"))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_batch_gives_a_result_per_row(org, api, lead_data):
    rows = [lead_data(), lead_data(phone="bad"), lead_data(name="王建国", email="")]
    r = api(org.marketer).post("/leads/batch", {"leads": rows})
    assert r.status_code == 200, r.content
    results = r.json()["results"]
    assert [x["outcome"] for x in results] == ["new", "rejected", "duplicate_lead"]
    assert "phone" in results[1]["errors"]
    assert results[2]["duplicate_of"] == results[0]["id"]
    assert r.json()["counts"] == {"new": 1, "rejected": 1, "duplicate_lead": 1}


def test_list_filters_and_patch(org, api, lead_data):
    client = api(org.marketer)
    a = client.post("/leads", lead_data()).json()
    bare = {"email": "", "company": "", "address": "", "demand_type": "", "urgency": ""}
    b = client.post("/leads", lead_data(channel="website", name="李四", phone="13900001111", **bare)).json()
    assert b["grade"] == "C"
    grades = {x["id"]: x["grade"] for x in client.get("/leads", grade="C").json()["items"]}
    assert grades == {b["id"]: "C"}
    assert [x["id"] for x in client.get("/leads", q="13900001111").json()["items"]] == [b["id"]]
    assert {x["id"] for x in client.get("/leads", sort="-score").json()["items"]} == {a["id"], b["id"]}
    change = {"company": "宁波众美电子有限公司", "urgency": "high", "email": "li@zm.cn"}
    r = client.patch(f"/leads/{b['id']}", change)
    assert r.status_code == 200 and r.json()["score"] > b["score"]
    assert client.patch(f"/leads/{b['id']}", {"email": "bad@"}).status_code == 422

"""The public capture endpoint: form keys, CORS, honeypot, rate limits, both body encodings."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from kehu.leads.models import CaptureForm, Lead


@pytest.fixture
def form(db, website):
    cache.clear()
    return CaptureForm.objects.create(
        name="官网表单",
        channel=website,
        key="k-123",
        allowed_origins="https://www.example.com\n",
        per_ip_per_minute=3,
    )


def post_json(client, data, origin="https://www.example.com", key="k-123", ip="1.2.3.4"):
    return client.post(
        f"/leads/capture/{key}/", json.dumps(data), content_type="application/json",
        headers={"Origin": origin}, REMOTE_ADDR=ip,
    )  # fmt: skip


def test_json_and_form_encoded_posts_become_leads(form):
    client = Client()
    r = post_json(client, {"name": "王五", "phone": "13600001234", "utm": "spring"})
    assert r.status_code == 201, r.content
    assert r["Access-Control-Allow-Origin"] == "https://www.example.com"
    lead = Lead.objects.get(pk=r.json()["reference"])
    assert lead.intake == "capture" and lead.channel == form.channel
    assert lead.extra["utm"] == "spring" and lead.extra["capture_form"] == "官网表单"
    r = client.post(
        "/leads/capture/k-123/", {"name": "赵七", "email": "zhao@example.org"}, REMOTE_ADDR="5.6.7.8"
    )
    assert r.status_code == 201
    assert Lead.objects.count() == 2


def test_validation_errors_are_field_level(form):
    r = post_json(Client(), {"name": "王五", "phone": "123"})
    assert r.status_code == 422 and "phone" in r.json()["fields"]


def test_preflight_and_foreign_origins(form):
    client = Client()
    ok = client.options("/leads/capture/k-123/", headers={"Origin": "https://www.example.com"})
    assert ok.status_code == 204 and ok["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    bad = client.options("/leads/capture/k-123/", headers={"Origin": "https://evil.example"})
    assert bad.status_code == 403 and "Access-Control-Allow-Origin" not in bad
    assert (
        post_json(client, {"name": "王五", "phone": "13600001234"}, origin="https://evil.example").status_code
        == 403
    )
    assert Lead.objects.count() == 0


def test_honeypot_is_answered_as_success_but_stores_nothing(form):
    r = post_json(Client(), {"name": "bot", "phone": "13600001234", "website": "http://spam"})
    assert r.status_code == 201 and "reference" not in r.json()
    assert Lead.objects.count() == 0


def test_rate_limit_per_ip_and_per_key(form):
    client = Client()
    codes = [
        post_json(client, {"name": f"访客{i}", "phone": f"1360000{i:04d}"}).status_code for i in range(5)
    ]
    assert codes == [201, 201, 201, 429, 429]
    # Another visitor still gets through, until the form's own limit is reached.
    assert post_json(client, {"name": "别人", "phone": "13700000000"}, ip="9.9.9.9").status_code == 201
    form.per_key_per_minute = 4
    form.save()
    assert post_json(client, {"name": "第三人", "phone": "13700000001"}, ip="8.8.8.8").status_code == 429


def test_unknown_or_inactive_key_is_404(form):
    assert post_json(Client(), {"name": "x"}, key="nope").status_code == 404
    form.active = False
    form.save()
    assert post_json(Client(), {"name": "x"}).status_code == 404

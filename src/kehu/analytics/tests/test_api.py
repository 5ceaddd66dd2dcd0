"""The API serves every report under the caller's scope, with exports and clear errors."""

import io

import pytest
from openpyxl import load_workbook

from kehu.analytics.reports import channels
from kehu.analytics.reports.base import Filters

from .test_reports import JUNE

PERIOD = {"start": "2026-06-01", "end": "2026-06-30"}
PATHS = [
    "/analytics/channels",
    "/analytics/time-to-convert",
    "/analytics/funnel",
    "/analytics/leaderboard",
    "/analytics/pool-health",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_report_answers(dataset, api, path):
    response = api(dataset.org.admin).get(path, **PERIOD)
    assert response.status_code == 200, response.content
    assert response.json()["period"] == PERIOD


def test_channel_api_equals_the_service(dataset, api):
    body = api(dataset.org.marketer).get("/analytics/channels", **PERIOD, sort="converted").json()
    report = channels.channel_report(dataset.org.marketer, JUNE, sort="converted")
    assert [row["channel_id"] for row in body["channels"]] == [
        row["channel_id"] for row in report["channels"]
    ]
    assert body["total"]["leads"] == report["total"]["leads"]
    assert float(body["total"]["order_value"]) == float(report["total"]["order_value"])
    assert body["costs_visible"] is True


def test_salesperson_gets_only_own_figures_through_the_api(dataset, api):
    org = dataset.org
    client = api(org.sales_a1)
    mine = channels.channel_report(org.sales_a1, JUNE)["total"]["leads"]
    body = client.get("/analytics/channels", **PERIOD).json()
    assert body["total"]["leads"] == mine
    assert body["costs_visible"] is False and body["total"]["cost"] is None
    # Asking for someone else's figures gives nothing, not theirs.
    other = client.get("/analytics/channels", **PERIOD, owner=org.sales_a2.pk).json()
    assert other["total"]["leads"] == 0
    board = client.get("/analytics/leaderboard", **PERIOD).json()
    assert [row["user_id"] for row in board["rows"]] == [org.sales_a1.pk]
    health = client.get("/analytics/pool-health", **PERIOD, owner=org.sales_south.pk).json()
    assert health["people"] == [] and health["totals"]["claims"] == 0


def test_manager_sees_department_not_other_departments(dataset, api):
    org = dataset.org
    client = api(org.manager_east)
    board = client.get("/analytics/leaderboard", **PERIOD).json()
    ids = {row["user_id"] for row in board["rows"]}
    assert org.sales_b.pk in ids and org.sales_south.pk not in ids
    funnel = client.get("/analytics/funnel", **PERIOD).json()
    south = client.get("/analytics/funnel", **PERIOD, owner=org.sales_south.pk).json()
    assert funnel["stages"][0]["count"] > 0 and south["stages"][0]["count"] == 0
    team = client.get("/analytics/time-to-convert", **PERIOD, by="owner", team=org.teams["a"].pk).json()
    assert {g["key"] for g in team["groups"]} <= {org.sales_a1.pk, org.sales_a2.pk}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"start": "2026-07-01", "end": "2026-06-01"}, "start"),
        ({"start": "2019-01-01", "end": "2026-06-01"}, "start"),
        ({"start": "not-a-date"}, None),
        ({"grade": "Z"}, None),
        ({"channel": "0"}, None),
    ],
)
def test_bad_input_is_a_field_error(dataset, api, params, field):
    response = api(dataset.org.admin).get("/analytics/channels", **params)
    assert response.status_code == 422
    if field:
        assert field in response.json()["fields"]


@pytest.mark.parametrize("path", PATHS)
def test_exports_csv_and_excel(dataset, api, path):
    client = api(dataset.org.manager_east)
    csv = client.get(f"{path}/export", **PERIOD)
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert len(text.splitlines()) >= 2
    xlsx = client.get(f"{path}/export", **PERIOD, format="xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row >= 2


def test_export_needs_the_capability_and_respects_scope(dataset, api):
    org = dataset.org
    assert api(org.sales_a1).get("/analytics/channels/export", **PERIOD).status_code == 403
    csv = api(org.manager_east).get("/analytics/leaderboard/export", **PERIOD)
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert org.sales_b.name in text and org.sales_south.name not in text
    channel_csv = api(org.manager_east).get("/analytics/channels/export", **PERIOD)
    lines = b"".join(channel_csv.streaming_content).decode("utf-8-sig").splitlines()
    expected = channels.channel_report(org.manager_east, JUNE)["total"]["leads"]
    assert lines[-1].split(",")[2] == str(expected)


def test_filters_narrow_the_report(dataset):
    org = dataset.org
    web = dataset.channels[0]
    only_a = channels.channel_report(org.admin, JUNE, Filters(grade="A"))["total"]["leads"]
    all_grades = channels.channel_report(org.admin, JUNE)["total"]["leads"]
    assert 0 < only_a < all_grades
    report = channels.channel_report(org.admin, JUNE, Filters(channel=web.pk))
    assert [row["channel_id"] for row in report["channels"]] == [web.pk]

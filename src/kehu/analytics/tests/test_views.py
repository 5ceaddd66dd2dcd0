"""Pages render for every role, stay in scope, and take bad input without a 500."""

import pytest
from django.urls import reverse

PERIOD = {"start": "2026-06-01", "end": "2026-06-30"}
PAGES = [
    "analytics:channels",
    "analytics:time_to_convert",
    "analytics:funnel",
    "analytics:leaderboard",
    "analytics:pool_health",
]


@pytest.mark.parametrize("view", ["salesperson", "manager", "marketer"])
@pytest.mark.parametrize("who", ["admin", "manager_east", "sales_a1", "marketer"])
def test_dashboards_render(dataset, web, who, view):
    response = web(getattr(dataset.org, who)).get(reverse("analytics:dashboard"), {**PERIOD, "view": view})
    assert response.status_code == 200
    assert b"echarts.min.js" in response.content
    assert b'src="http' not in response.content  # no script or image from another site


def test_dashboard_defaults_to_the_role(dataset, web):
    org = dataset.org
    assert web(org.sales_a1).get(reverse("analytics:dashboard")).context["view"] == "salesperson"
    assert web(org.manager_east).get(reverse("analytics:dashboard")).context["view"] == "manager"
    assert web(org.marketer).get(reverse("analytics:dashboard")).context["view"] == "marketer"


@pytest.mark.parametrize("page", PAGES)
def test_report_pages_render(dataset, web, page):
    response = web(dataset.org.manager_east).get(reverse(page), PERIOD)
    assert response.status_code == 200
    assert response.context["report"]["period"].start.isoformat() == PERIOD["start"]


def test_salesperson_page_shows_only_own_figures(dataset, web):
    org = dataset.org
    page = web(org.sales_a1).get(reverse("analytics:leaderboard"), PERIOD)
    assert [row["user_id"] for row in page.context["report"]["rows"]] == [org.sales_a1.pk]
    assert org.sales_a2.name.encode() not in page.content.split(b"<main>")[1]
    # Asking for someone else by owner filter shows nothing of theirs.
    other = web(org.sales_a1).get(reverse("analytics:channels"), {**PERIOD, "owner": org.sales_a2.pk})
    assert other.context["report"]["total"]["leads"] == 0
    south = web(org.manager_east).get(
        reverse("analytics:pool_health"), {**PERIOD, "owner": org.sales_south.pk}
    )
    assert south.context["report"]["people"] == []


def test_channel_page_links_to_the_leads_and_sorts(dataset, web):
    web_channel = dataset.channels[0]
    page = web(dataset.org.marketer).get(
        reverse("analytics:channels"), {**PERIOD, "sort": "roi", "dir": "asc"}
    )
    html = page.content.decode()
    assert f"/leads/?created_from=2026-06-01&amp;created_to=2026-06-30&amp;channel={web_channel.pk}" in html
    rois = [r["roi"] for r in page.context["report"]["channels"] if r["roi"] is not None]
    assert rois == sorted(rois)


@pytest.mark.parametrize(
    "params",
    [
        {"start": "junk"},
        {"start": "2026-07-01", "end": "2026-06-01"},
        {"channel": "x"},
        {"grade": "Q"},
        {"sort": "nope", "by": "nope"},
    ],
)
def test_bad_input_shows_errors_not_500(dataset, web, params):
    response = web(dataset.org.admin).get(reverse("analytics:channels"), params)
    assert response.status_code == 200
    if set(params) & {"start", "channel", "grade"}:
        assert response.context["errors"]


def test_empty_state(org, web):
    page = web(org.marketer).get(reverse("analytics:channels"), PERIOD)
    assert page.status_code == 200
    assert "analytics/_empty.html" in [t.name for t in page.templates]


def test_ui_export_respects_scope_and_capability(dataset, web):
    org = dataset.org
    url = reverse("analytics:export", args=["leaderboard"])
    assert web(org.sales_a1).get(url, PERIOD).status_code == 403
    response = web(org.manager_east).get(url, {**PERIOD, "format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert org.sales_b.name in text and org.sales_south.name not in text
    xlsx = web(org.marketer).get(reverse("analytics:export", args=["channels"]), {**PERIOD, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert web(org.marketer).get(reverse("analytics:export", args=["nope"])).status_code == 404
    assert web(org.marketer).get(url, {"start": "junk"}).status_code == 400

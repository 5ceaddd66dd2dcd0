"""The opportunity board in a real browser: cards move with the › button and the stage menu."""

import os
import shutil

import pytest

from kehu.sales.models import Opportunity, Stage
from kehu.sales.services import opportunities

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed (apt-get install chromium)"),
]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        yield context.new_page()
        browser.close()


def test_move_cards_on_the_board(page, live_server, org, customers, password):
    opp = opportunities.create_opportunity(org.sales_a1, {"name": "看板商机", "customer": customers.mine.pk})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "sales_a1")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/")
    page.goto(f"{live_server.url}/sales/")

    def column_of_card():
        return f"document.querySelector('#move-{opp.pk}').closest('section').getAttribute('aria-labelledby')"

    needs = Stage.objects.get(code="needs")
    page.locator(f"section[aria-labelledby='stage-{opp.stage_id}'] button[value='{needs.pk}']").click()
    page.wait_for_function(f"{column_of_card()} === 'stage-{needs.pk}'")
    assert Opportunity.objects.get(pk=opp.pk).stage == needs
    # Let htmx finish settling the swapped board before using its new controls.
    page.wait_for_function("!document.querySelector('.htmx-settling, .htmx-swapping, .htmx-request')")
    page.wait_for_timeout(200)
    # The stage menu moves it anywhere (keyboard users: Tab to the menu, arrow keys).
    negotiation = Stage.objects.get(code="negotiation")
    page.select_option(f"#move-{opp.pk}", str(negotiation.pk))
    page.wait_for_function(f"{column_of_card()} === 'stage-{negotiation.pk}'")
    assert Opportunity.objects.get(pk=opp.pk).stage == negotiation

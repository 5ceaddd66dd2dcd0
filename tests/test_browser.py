"""The UI in a real browser: Debian's chromium driven by Playwright.

Skipped with a clear message when no Chromium is installed (`.ci/run` installs it).
"""

import os
import shutil

import pytest

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


@pytest.fixture(scope="module")
def browser():
    # Sync Playwright runs an event loop in this thread; Django's ORM must still be usable.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def login(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/")


def test_log_in_create_a_customer_and_find_it(page, live_server, org, password):
    login(page, live_server, "sales_a1", password)
    # Keyboard first: "n" opens the form from the list.
    page.keyboard.press("n")
    page.wait_for_url("**/customers/new/")
    page.fill("input[name=name]", "浏览器测试客户")
    page.fill("input[name=phone]", "+86 139 1234 5678")
    page.fill("input[name=email]", "Browser@Example.com")
    page.click("button[type=submit] >> nth=0")
    page.wait_for_url("**/customers/*/")
    assert page.locator("h1").inner_text() == "浏览器测试客户"
    assert "13912345678" in page.content()

    page.goto(f"{live_server.url}/customers/")
    page.keyboard.press("/")
    page.keyboard.type("13912345678")
    # htmx replaces the results as the user types.
    page.wait_for_function("document.querySelector('#results').innerText.includes('浏览器测试客户')")
    page.locator("#results a", has_text="浏览器测试客户").click()
    page.wait_for_url("**/customers/*/")
    assert "browser@example.com" in page.content()


def test_field_errors_are_shown_next_to_the_fields_and_input_is_kept(page, live_server, org, password):
    login(page, live_server, "sales_a1", password)
    page.goto(f"{live_server.url}/customers/new/")
    page.fill("input[name=name]", "错误示例")
    page.fill("input[name=phone]", "12345")
    page.click("button[type=submit] >> nth=0")
    error = page.locator(".field.has-error .errorlist")
    assert "11" in error.first.inner_text()  # "a mobile number has 11 digits"
    assert page.input_value("input[name=name]") == "错误示例"


def test_language_switch(page, live_server, org, password):
    login(page, live_server, "sales_a1", password)
    assert page.locator("h1").inner_text() == "客户"
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Customers"

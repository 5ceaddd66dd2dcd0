"""Screenshots of pages in Debian's chromium: both languages, a narrow and a wide window.

Usage (a server must be running, e.g. `make demo` or `kehu serve`):
  .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--user sales1]
      [--password kehu-demo-2026] [--out screenshots] /customers/ /customers/1/ …
Writes <out>/<page>-<lang>-<width>.png and prints the paths.
"""

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"narrow": (390, 844), "wide": (1440, 900)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="sales1")
    parser.add_argument("--password", default="kehu-demo-2026")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--languages", default="zh-hans,en")
    parser.add_argument("--full-page", action="store_true")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for language in args.languages.split(","):
            for label, (width, height) in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(f"{args.base}/accounts/login/")
                page.fill("input[name=username]", args.user)
                page.fill("input[name=password]", args.password)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                page.request.post(
                    f"{args.base}/accounts/language/",
                    form={"language": language, "csrfmiddlewaretoken": _csrf(page)},
                    headers={"Referer": args.base + "/"},
                )
                for path in args.paths:
                    page.goto(args.base + path)
                    page.wait_for_load_state("networkidle")
                    name = re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()) or "home"
                    target = out / f"{name}-{language}-{label}.png"
                    page.screenshot(path=str(target), full_page=args.full_page)
                    print(target)
                page.close()
        browser.close()


def _csrf(page) -> str:
    return page.evaluate("document.querySelector('meta[name=csrf-token]').content")


if __name__ == "__main__":
    main()

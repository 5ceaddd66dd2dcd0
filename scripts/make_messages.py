"""Update the zh_Hans message catalogues: one per app (its own locale/), one for the project.

Usage: python scripts/make_messages.py [app ...]   (default: every app, then the project)
Then translate the new empty msgstr entries; tests fail while any are missing.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "kehu"
APPS = sorted(p.parent.name for p in ROOT.glob("*/apps.py"))
DJANGO_ADMIN = [sys.executable, "-m", "django"]
ENV = {**os.environ, "DJANGO_SETTINGS_MODULE": "kehu.settings", "DEBUG": "1"}
OPTIONS = ["makemessages", "-l", "zh_Hans", "--no-obsolete", "--add-location=never"]


def make(directory: Path, extra: list[str]) -> None:
    (directory / "locale").mkdir(exist_ok=True)
    subprocess.run([*DJANGO_ADMIN, *OPTIONS, *extra], cwd=directory, env=ENV, check=True)  # noqa: S603


def main(selected: list[str]) -> None:
    for app in selected or APPS:
        make(ROOT / app, [])
    if not selected:
        # The project catalogue: base templates and modules outside the apps.
        make(ROOT, [f"--ignore={app}/*" for app in APPS] + ["--ignore=static/*"])


if __name__ == "__main__":
    main(sys.argv[1:])

"""Update the zh_Hans message catalogues: one per app (its own locale/), one for the project.

Usage: python scripts/make_messages.py [--root DIR] [app ...]   (default: every app, then the project)
Then translate the new empty msgstr entries; tests fail while any are missing.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "kehu"
DJANGO_ADMIN = [sys.executable, "-m", "django"]
ENV = {**os.environ, "DJANGO_SETTINGS_MODULE": "kehu.settings", "DEBUG": "1"}
OPTIONS = ["makemessages", "-l", "zh_Hans", "--no-obsolete", "--add-location=never"]


def make(directory: Path, extra: list[str]) -> None:
    (directory / "locale").mkdir(exist_ok=True)
    subprocess.run([*DJANGO_ADMIN, *OPTIONS, *extra], cwd=directory, env=ENV, check=True)


def main(args: list[str]) -> None:
    root = ROOT
    if args[:1] == ["--root"]:
        root, args = Path(args[1]), args[2:]
    apps = sorted(p.parent.name for p in root.glob("*/apps.py"))
    for app in args or apps:
        make(root / app, [])
    if not args:
        # The project catalogue: base templates and modules outside the apps.
        make(root, [f"--ignore={app}/*" for app in apps] + ["--ignore=static/*"])


if __name__ == "__main__":
    main(sys.argv[1:])

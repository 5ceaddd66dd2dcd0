"""Compile every app's .po translations into .mo files (which are build output, not committed)."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "kehu"
count = 0
for po in sorted(ROOT.glob("**/locale/*/LC_MESSAGES/*.po")):
    subprocess.run(["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
    count += 1
print(f"compiled {count} message catalogues")

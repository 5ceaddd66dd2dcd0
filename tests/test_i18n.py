"""Both languages are complete: every string in the code has a Chinese translation."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted((ROOT / "src" / "kehu").glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def _ids(path: Path) -> set[str]:
    return {entry.msgid for entry in polib.pofile(str(path))}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT / "src" / "kehu")))
def test_catalogue_is_fully_translated(path):
    po = polib.pofile(str(path))
    untranslated = [e.msgid for e in po if not (e.msgstr or e.msgstr_plural.get(0))]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated in {path}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {path}: {fuzzy[:10]}"


def test_catalogues_contain_every_string_in_the_code(tmp_path):
    """Regenerate the catalogues from a copy of the source: nothing new may appear."""
    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext (xgettext) is not installed")
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "src", copy, ignore=shutil.ignore_patterns("vendor", "__pycache__", "*.mo"))
    env = {**os.environ, "PYTHONPATH": str(copy)}
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_messages.py"), "--root", str(copy / "kehu")],
        check=True,
        env=env,
        capture_output=True,
    )
    for original in CATALOGUES:
        regenerated = copy / original.relative_to(ROOT / "src")
        new = _ids(regenerated) - _ids(original)
        assert not new, f"{original.relative_to(ROOT)} lacks {sorted(new)[:10]}: run scripts/make_messages.py"

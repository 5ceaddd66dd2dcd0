"""Kehu beyond one machine: PostgreSQL, Redis, two web servers, a worker, nginx in front.

Runs scripts/multinode_check.py (which prints every check) in the PostgreSQL pass of
`make test`; skipped on the SQLite pass and where nginx is not installed.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("KEHU_TEST_DATABASE_URL"), reason="runs in the PostgreSQL pass only")
@pytest.mark.skipif(
    not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()),
    reason="nginx is not installed (apt-get install nginx-light)",
)
def test_several_web_servers_and_a_worker_behind_nginx():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "multinode_check.py")],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "FAIL" not in result.stdout

"""Run Kehu as it runs beyond one machine, and check that the pieces work together.

PostgreSQL + Redis + two web servers (gunicorn, several processes each) + a Huey worker on
Redis + nginx in front. Then, through nginx only: static files, API token and writes,
a UI session that keeps working whichever web server answers, and a background task
enqueued by one process and run by the worker.

Usage: python scripts/multinode_check.py [--database-url postgres://postgres@127.0.0.1:5432/postgres]
       [--redis-url redis://127.0.0.1:6379/9] [--keep]
Exit status 0 when every check passes. Needs nginx, PostgreSQL and Redis.
"""

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import dj_database_url
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
KEHU = [sys.executable, "-m", "kehu"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up in {seconds} s")


class Client:
    """A tiny browser: cookies, CSRF, JSON."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, method, path, data=None, headers=None, json_body=None):
        headers = dict(headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            response = self.opener.open(request, timeout=20)
        except urllib.error.HTTPError as error:
            response = error
        return response.status, dict(response.headers), response.read().decode("utf-8", "replace")

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")


def check(condition: bool, message: str) -> None:
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url",
        default=os.environ.get("KEHU_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--keep", action="store_true", help="leave the database and files for inspection")
    args = parser.parse_args()
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("nginx is not installed (apt-get install nginx-light)")

    admin = dj_database_url.parse(args.database_url)
    dbname = "kehu_multinode_" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))
    connect = {
        "host": admin["HOST"] or "127.0.0.1",
        "port": admin["PORT"] or 5432,
        "user": admin["USER"],
        "password": admin["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**connect) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    redis.Redis.from_url(args.redis_url).flushdb()

    run_dir = Path(tempfile.mkdtemp(prefix="kehu-multinode-"))
    user = admin["USER"] or "postgres"
    password = f":{admin['PASSWORD']}" if admin["PASSWORD"] else ""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"postgres://{user}{password}@{connect['host']}:{connect['port']}/{dbname}",
        "KEHU_REDIS_URL": args.redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KEHU_VAR_DIR": str(run_dir / "var"),
        "KEHU_STATIC_ROOT": str(run_dir / "static"),
        "KEHU_SECURE_COOKIES": "0",  # plain http on loopback; production terminates TLS at nginx
        "KEHU_LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    processes: list[subprocess.Popen] = []
    log = open(run_dir / "processes.log", "w")  # noqa: SIM115 - closed in finally
    try:
        for command in (
            ["migrate", "--no-input", "-v", "0"],
            ["collectstatic", "--no-input", "-v", "0"],
            ["createadmin", "--username", "ops", "--password", "Multi-node-123"],
        ):
            subprocess.run([*KEHU, *command], env=env, check=True, cwd=ROOT, stdout=log, stderr=log)
        web_ports = [free_port(), free_port()]
        for port in web_ports:
            processes.append(
                subprocess.Popen(
                    [*KEHU, "serve", "--port", str(port), "--processes", "2", "--threads", "2"],
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=log,
                )
            )
        processes.append(
            subprocess.Popen(
                [*KEHU, "worker", "--workers", "2"],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
        )
        proxy_port = free_port()
        config = (ROOT / "deploy" / "nginx.conf.template").read_text()
        config = (
            config.replace("${RUN_DIR}", str(run_dir))
            .replace("${LISTEN}", f"127.0.0.1:{proxy_port}")
            .replace("${UPSTREAMS}", " ".join(f"server 127.0.0.1:{p};" for p in web_ports))
        )
        (run_dir / "nginx.conf").write_text(config)
        processes.append(
            subprocess.Popen(
                [nginx, "-c", str(run_dir / "nginx.conf"), "-g", "daemon off;"],
                stdout=log,
                stderr=log,
            )
        )
        for port in web_ports:
            wait_for(f"http://127.0.0.1:{port}/healthz")
        base = f"http://127.0.0.1:{proxy_port}"
        wait_for(base + "/healthz")
        run_checks(base, env)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        if args.keep:
            print(f"kept database {dbname} and files in {run_dir}")
        else:
            with psycopg.connect(**connect) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            shutil.rmtree(run_dir, ignore_errors=True)


def run_checks(base: str, env: dict) -> None:
    api = Client(base)
    status, headers, body = api.request("GET", "/healthz")
    check(
        status == 200 and json.loads(body)["database"] == "postgresql",
        "health check through nginx (PostgreSQL)",
    )

    status, _, page = api.request("GET", "/accounts/login/")
    css = re.search(r'href="(/static/kehu/kehu\.[0-9a-f]+\.css)"', page)
    check(css is not None, "static files have hashed names (manifest storage)")
    status, headers, _ = api.request("GET", css.group(1))
    check(status == 200 and "max-age" in headers.get("Cache-Control", ""), "static files served with caching")

    status, _, body = api.request(
        "POST", "/api/v1/auth/token", json_body={"username": "ops", "password": "Multi-node-123"}
    )
    check(status == 201, "API token issued")
    token = {"Authorization": f"Bearer {json.loads(body)['token']}"}
    upstreams = set()
    created = []
    for i in range(6):
        status, headers, body = api.request(
            "POST",
            "/api/v1/customers",
            headers=token,
            json_body={"name": f"多节点客户{i}", "phone": f"1380000{i:04d}"},
        )
        check(status == 201, f"customer {i} created through the API")
        created.append(json.loads(body)["id"])
        upstreams.add(headers.get("X-Kehu-Upstream"))
    check(len(upstreams) == 2, f"requests were served by both web servers ({sorted(upstreams)})")
    query = urllib.parse.urlencode({"q": "多节点"})
    status, _, body = api.request("GET", f"/api/v1/customers?{query}", headers=token)
    check(json.loads(body)["count"] == 6, "every write is visible from every web server")

    browser = Client(base)
    browser.request("GET", "/accounts/login/")
    status, _, _ = browser.request(
        "POST",
        "/accounts/login/",
        data={
            "username": "ops",
            "password": "Multi-node-123",
            "csrfmiddlewaretoken": browser.cookie("csrftoken"),
        },
        headers={"Referer": base + "/accounts/login/"},
    )
    seen = set()
    for _ in range(6):
        status, headers, page = browser.request("GET", "/customers/")
        seen.add(headers.get("X-Kehu-Upstream"))
        check(
            status == 200 and "多节点客户" in page,
            "signed-in page works on " + headers.get("X-Kehu-Upstream", "?"),
        )
    check(len(seen) == 2, "the session is valid on both web servers")

    marker = "check-" + secrets.token_hex(4)
    subprocess.run(
        [*KEHU, "shell", "-c", f"from kehu.core.tasks import heartbeat; heartbeat({marker!r})"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    deadline = time.monotonic() + 90  # the worker may be busy with its first periodic runs
    done = False
    while time.monotonic() < deadline and not done:
        done = subprocess.run(
            [
                *KEHU,
                "shell",
                "-c",
                f"from kehu.core.models import WorkerHeartbeat as W; "
                f"print(W.objects.filter(name={marker!r}).exists())",
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1:] == ["True"]
        if not done:
            time.sleep(0.5)
    check(done, "a task queued on Redis by one process was run by the worker")
    status, _, body = api.request("GET", "/healthz")
    check(json.loads(body)["worker_seen_at"] is not None, "health check reports the worker")


if __name__ == "__main__":
    main()

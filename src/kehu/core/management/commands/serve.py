import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server (gunicorn), optionally with a task worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--processes", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--with-worker", action="store_true", help="also start a Huey worker")

    def handle(self, *args, host, port, processes, threads, with_worker, **options):
        children = []
        if with_worker:
            children.append(subprocess.Popen([sys.executable, "-m", "kehu", "worker"]))
        web = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "kehu.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(processes),
                "--threads",
                str(threads),
                "--access-logfile",
                "-",
                # Several servers may run side by side; none needs gunicorn's control socket.
                "--no-control-socket",
                "--forwarded-allow-ips",
                os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            ]
        )
        children.append(web)
        self.stdout.write(
            f"Kehu is running on http://{host}:{port}/ "
            f"(database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
        )

        def stop(*_):
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            web.wait()
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children:
                child.wait(timeout=15)

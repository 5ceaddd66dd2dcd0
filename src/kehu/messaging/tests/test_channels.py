"""Channel adapters against real local servers: aiosmtpd for SMTP, http.server for webhooks."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from kehu.accounts.models import User
from kehu.messaging import services
from kehu.messaging.models import DeliveryChannel


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
        ):
            yield inbox
    finally:
        controller.stop()


@pytest.fixture
def gateway():
    received, status = [], {"code": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, json.loads(body)))
            self.send_response(status["code"])
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received, status
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def person(db):
    return User.objects.create_user(
        "notified", email="notified@example.com", mobile="13800001111", name="李雷", language="en"
    )


def send(person, level, text="Lead 42 is yours"):
    services.notify([person], services.MESSAGE, data={"text": text}, level=level)


@pytest.mark.django_db(transaction=True)
def test_strong_notifications_go_by_email(smtp, person):
    DeliveryChannel.objects.create(name="mail", kind="email", min_level="strong")
    send(person, "normal", "quiet one")
    send(person, "strong", "Lead 42 is yours")
    assert len(smtp.messages) == 1
    recipients, content = smtp.messages[0]
    assert recipients == ["notified@example.com"] and "Lead 42 is yours" in content


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("sms", lambda body: body == {"to": "13800001111", "text": "Lead 42 is yours"}),
        ("wecom", lambda body: body["text"]["mentioned_mobile_list"] == ["13800001111"]),
        ("dingtalk", lambda body: body["at"]["atMobiles"] == ["13800001111"]),
        ("feishu", lambda body: body["content"]["text"] == "Lead 42 is yours"),
    ],
)
def test_webhook_gateways(gateway, person, kind, check):
    url, received, _status = gateway
    DeliveryChannel.objects.create(name=kind, kind=kind, url=f"{url}/{kind}", min_level="normal")
    send(person, "quiet")
    send(person, "normal")
    assert len(received) == 1
    path, body = received[0]
    assert path == f"/{kind}" and check(body)


@pytest.mark.django_db(transaction=True)
def test_gateway_failure_is_logged_not_raised(gateway, person, caplog):
    url, received, status = gateway
    status["code"] = 500
    DeliveryChannel.objects.create(name="sms", kind="sms", url=url, min_level="normal")
    send(person, "strong")  # must not raise into the caller
    assert len(received) >= 1
    assert any("failed" in r.getMessage() for r in caplog.records)
    assert person.notifications.count() == 1  # the inbox copy is kept

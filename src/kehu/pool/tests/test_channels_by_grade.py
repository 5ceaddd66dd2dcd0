"""Grade A reaches the SMS/IM channels, grade B only the inbox (a local fake SMS gateway)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from kehu.accounts.models import Role, User
from kehu.messaging.models import DeliveryChannel
from kehu.pool import services


@pytest.fixture
def sms_gateway():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sms", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.django_db(transaction=True)
def test_assignment_notifies_by_grade_over_sms(sms_gateway, make_lead, lead_pool):
    url, received = sms_gateway
    DeliveryChannel.objects.create(name="短信", kind="sms", url=url, min_level="strong")
    seller = User.objects.create_user(
        "seller", role=Role.objects.get(code="salesperson"), mobile="13900001234", language="en"
    )
    a_lead = make_lead(grade="A", name="Alpha")
    b_lead = make_lead(grade="B", name="Bravo")
    services.assign(a_lead, seller, reason="round-robin")
    services.assign(b_lead, seller, reason="round-robin")
    assert [body["to"] for body in received] == ["13900001234"]
    assert "Alpha" in received[0]["text"]
    assert seller.notifications.filter(kind="pool_assigned").count() == 2

"""Enrichment providers: a local registry CSV, an HTTP service (a local fake), failures."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from kehu.leads.models import EnrichmentSource
from kehu.leads.services import intake_one
from kehu.leads.services.enrichment import CsvRegistryProvider, Enricher, HttpProvider

CODE = "91330106MA2B0F7X0M"


class FakeRegistry(BaseHTTPRequestHandler):
    slow = False

    def do_GET(self):
        name = parse_qs(urlparse(self.path).query).get("name", [""])[0]
        if "慢" in name:
            import time

            time.sleep(1.0)
        if "尚祈" in name:
            body = json.dumps({"industry": "I", "company_size": "medium", "credit_code": CODE}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)
        elif "坏" in name:
            self.send_response(500)
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(("127.0.0.1", 0), FakeRegistry)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/lookup"
    httpd.shutdown()
    httpd.server_close()


def _valid_code() -> str:
    from kehu.core.normalize.identifiers import uscc_check_char

    return "91330106MA2B0F7X0" + uscc_check_char("91330106MA2B0F7X0")


def test_http_provider_fills_missing_facts(org, server, lead_data):
    global CODE
    CODE = _valid_code()
    EnrichmentSource.objects.create(name="registry", kind="http", location=server, timeout=0.5)
    lead = intake_one(org.marketer, lead_data(), path="api").lead
    lead.refresh_from_db()
    assert lead.industry.code == "I" and lead.company_size == "medium" and lead.credit_code == CODE


def test_failing_or_slow_provider_never_blocks_intake(org, server, lead_data):
    EnrichmentSource.objects.create(name="slow", kind="http", location=server, timeout=0.2)
    for n, company in enumerate(("坏公司有限公司", "慢公司有限公司")):
        data = lead_data(channel="website", company=company, name=f"联系人{n}", phone="", email=f"c{n}@x.cn")
        result = intake_one(org.marketer, data, path="api")
        assert result.outcome == "new" and result.lead.industry is None
    refused = HttpProvider("http://127.0.0.1:9/none", timeout=0.2)
    enricher = Enricher([refused])
    values = {"company": "杭州尚祈网络科技有限公司"}
    assert enricher.enrich(values) == [] and enricher.failures == 1


def test_csv_registry_matches_on_company_core(tmp_path, org, lead_data):
    path = tmp_path / "registry.csv"
    code = _valid_code()
    row = f"尚祈网络科技(杭州)有限公司,{code},I,large"
    path.write_text(f"name,credit_code,industry,company_size\n{row}\n", encoding="utf-8")
    assert CsvRegistryProvider(str(path)).lookup("杭州尚祈网络科技有限公司")["credit_code"] == code
    assert (
        CsvRegistryProvider(str(path)).lookup("杭州尚祈网络科技有限公司上海分公司") is None
    )  # a branch is not the head
    EnrichmentSource.objects.create(name="file", kind="csv", location=str(path))
    lead = intake_one(org.marketer, lead_data(), path="api").lead
    assert lead.company_size == "large" and lead.credit_code == code

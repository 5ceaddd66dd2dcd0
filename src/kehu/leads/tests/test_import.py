"""Importing files: mapping guesses, every row accounted for, re-import creates nothing."""

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from kehu.leads.models import Channel, ImportRun, Lead
from kehu.leads.services import imports

HEADER = ["姓名", "公司名称", "手机", "邮箱", "地址", "备注", "来源页"]
ROWS = [
    [
        "王建国",
        "杭州尚祈网络科技有限公司",
        "13812345678",
        "wang@shangqi.com",
        "杭州市西湖区文三路90号",
        "要报价",
        "p1",
    ],
    ["李四", "", "139-0000-1111", "", "", "", "p2"],
    ["赵六", "", "12345", "bad@", "", "", "p3"],  # rejected: phone and e-mail
    ["王建國", "杭州尚祈网络科技有限公司", "+86 138 1234 5678", "", "", "", "p4"],  # duplicate of row 2
    ["", "", "", "", "", "", "p5"],  # rejected: no name, no contact
]


def _csv(tmp_path, rows=ROWS, name="list.csv"):
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _xlsx(tmp_path, rows=ROWS):
    path = tmp_path / "list.xlsx"
    wb = Workbook()
    wb.active.append(HEADER)
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def test_mapping_is_guessed_from_headers():
    assert imports.guess_mapping(HEADER) == {
        "姓名": "name",
        "公司名称": "company",
        "手机": "phone",
        "邮箱": "email",
        "地址": "address",
        "备注": "notes",
    }


@pytest.fixture(params=[1, 2], ids=["one process", "two processes"])
def workers(request):
    return request.param


def _import(org, path, channel, workers, name="list.csv"):
    run = imports.start_run(org.marketer, path, name, channel)
    return imports.run_import(run, path, org.marketer, workers=workers)


def test_every_row_is_accounted_for_and_reimport_creates_nothing(org, tmp_path, workers):
    channel = Channel.objects.get(code="purchased_list")
    path = _csv(tmp_path)
    run = _import(org, path, channel, workers)
    assert (run.total, run.created, run.duplicates, run.rejected) == (5, 2, 1, 2)
    assert run.created + run.duplicates + run.existing + run.skipped + run.rejected == run.total
    assert [e["row"] for e in run.errors] == [4, 6]
    assert set(run.errors[0]["errors"]) == {"phone", "email"}
    lead = Lead.objects.get(name="王建国")
    assert lead.extra == {"来源页": "p1"} and lead.intake == "import"
    assert Lead.objects.get(name="王建國").duplicate_of == lead

    again = _import(org, path, channel, workers)
    assert (again.created, again.duplicates, again.skipped, again.rejected) == (0, 0, 3, 2)
    assert Lead.objects.count() == 3
    # The same rows saved as Excel are the same rows.
    xlsx = _xlsx(tmp_path)
    third = _import(org, xlsx, channel, workers, name="list.xlsx")
    assert third.skipped == 3 and Lead.objects.count() == 3


def test_duplicates_across_chunks_and_processes(org, tmp_path, workers, monkeypatch, customer):
    """Chunks of two rows: every duplicate below sits in a later chunk than its original, so
    it is found through the keys written for the earlier chunk (and, with two processes,
    prepared by the child while the parent writes)."""
    _duplicates_across_chunks(org, tmp_path, workers, monkeypatch, customer)


@pytest.mark.django_db(transaction=True)
def test_duplicates_across_chunks_with_the_child_looking_keys_up_ahead(org, tmp_path, monkeypatch, customer):
    """Each chunk committed on its own (no test transaction around the import): the child
    reads the key index on its own connection, ahead of the parent, so the leads the
    parent stored meanwhile must come from the parent's memory. The outcomes are the same.
    (An in-memory SQLite database cannot be read by a second process: there the child
    leaves the look-ups to the parent.)"""
    from django.db import connection

    from kehu.leads.services import intake, parallel

    looked_up = []
    merge = intake.Pipeline._postings_and_records

    def spy(self, found, hashed):
        looked_up.append((self.lookups_elsewhere, found.stored, self.stored_chunks))
        return merge(self, found, hashed)

    monkeypatch.setattr(intake.Pipeline, "_postings_and_records", spy)
    ahead = parallel._can_look_up_ahead()
    assert ahead == (connection.vendor == "postgresql" or not connection.is_in_memory_db())
    _duplicates_across_chunks(org, tmp_path, 2, monkeypatch, customer)
    if ahead:
        assert looked_up and all(elsewhere for elsewhere, _, _ in looked_up)
        # The child never saw more than what was stored, and was ahead at least once.
        assert all(stored <= done for _, stored, done in looked_up)
        assert any(stored < done for _, stored, done in looked_up)


def _duplicates_across_chunks(org, tmp_path, workers, monkeypatch, customer):
    from kehu.leads.services import intake

    monkeypatch.setattr(intake, "CHUNK", 2)
    monkeypatch.setattr(imports, "CHUNK", 2)
    known = customer(name="杭州明远网络科技有限公司", kind="company", phone="13911112222")
    rows = [
        ["王建国", "杭州尚祈网络科技有限公司", "13812345678", "wang@shangqi.com", "", "", "a"],
        ["李四", "", "139-0000-1111", "", "", "", "b"],
        ["赵六", "", "12345", "bad@", "", "", "c"],  # rejected
        ["王建國", "杭州尚祈网络科技有限公司", "+86 138 1234 5678", "", "", "", "d"],  # dup of a
        ["李四", "", "13900001111", "", "", "", "e"],  # dup of b
        ["张三", "杭州明远网络科技有限公司", "13911112222", "", "", "", "f"],  # the customer
        ["李四", "", "+86 139 0000 1111", "", "", "", "g"],  # dup of b (and of e)
        ["王建国", "杭州尚祈网络科技有限公司", "13812345678", "wang@shangqi.com", "", "", "a"],  # again
    ]
    path = _csv(tmp_path, rows)
    channel = Channel.objects.get(code="purchased_list")
    validated_here = []
    clean_lead = intake.clean_lead
    monkeypatch.setattr(intake, "clean_lead", lambda *a, **k: validated_here.append(1) or clean_lead(*a, **k))
    run = _import(org, path, channel, workers)
    assert len(validated_here) == (8 if workers == 1 else 0)  # two processes: the child validated
    assert (run.total, run.created, run.duplicates, run.existing, run.rejected) == (8, 2, 4, 1, 1)
    assert [e["row"] for e in run.errors] == [4]
    by_page: dict = {}
    for lead in Lead.objects.order_by("pk"):
        by_page.setdefault(lead.extra["来源页"], []).append(lead)
    first, first_again = by_page["a"]
    second = by_page["b"][0]
    assert first.duplicate_of is None and second.duplicate_of is None
    assert by_page["d"][0].duplicate_of == first and first_again.duplicate_of == first
    assert by_page["e"][0].duplicate_of == second and by_page["g"][0].duplicate_of == second
    assert by_page["f"][0].matched_customer_id == known.pk
    assert Lead.objects.count() == 7

    again = _import(org, path, channel, workers)
    assert (again.created, again.duplicates, again.existing, again.skipped, again.rejected) == (0, 0, 0, 7, 1)
    assert Lead.objects.count() == 7


def test_error_report_lists_every_rejected_row(org, tmp_path, web):
    channel = Channel.objects.get(code="purchased_list")
    path = _csv(tmp_path)
    run = imports.run_import(imports.start_run(org.marketer, path, "list.csv", channel), path, org.marketer)
    client = web(org.marketer)
    body = b"".join(client.get(f"/leads/import/{run.pk}/done/?report=csv").streaming_content).decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(io.StringIO(body)))
    assert [r[0] for r in rows[1:]] == ["4", "6"]
    assert "电话" in rows[1][1] and rows[1][2] == "赵六"  # field labels in the reader's language
    xlsx = client.get(f"/leads/import/{run.pk}/done/?report=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 3


def test_upload_map_and_run_in_the_ui(org, tmp_path, web):
    client = web(org.marketer)
    channel = Channel.objects.get(code="purchased_list")
    with open(_xlsx(tmp_path), "rb") as f:
        r = client.post("/leads/import/", {"file": f, "channel": channel.pk})
    assert r.status_code == 302
    run = ImportRun.objects.get()
    page = client.get(r["Location"])
    assert page.status_code == 200 and "姓名" in page.content.decode()
    mapping = {f"col-{i}": run.mapping.get(h, "") for i, h in enumerate(run.headers)}
    r = client.post(f"/leads/import/{run.pk}/", mapping)
    assert r.status_code == 302
    run.refresh_from_db()
    assert run.status == "done" and run.created == 2
    assert client.get(r["Location"]).status_code == 200


def _mapped_run(org, tmp_path, rows=ROWS):
    channel = Channel.objects.get(code="purchased_list")
    return imports.start_run(org.marketer, _csv(tmp_path, rows), "list.csv", channel)


def test_ui_import_runs_in_the_worker_and_the_page_follows_it(org, tmp_path, web, monkeypatch):
    """The mapping page queues the import; while it runs the page polls, then shows the result."""
    from kehu.leads.tasks import import_file

    client = web(org.marketer)
    run = _mapped_run(org, tmp_path)
    queued = []
    monkeypatch.setattr(
        "kehu.leads.tasks.import_file", lambda run_id, actor_id, language: queued.append((run_id, actor_id))
    )
    mapping = {f"col-{i}": run.mapping.get(h, "") for i, h in enumerate(run.headers)}
    r = client.post(f"/leads/import/{run.pk}/", mapping)
    assert r.status_code == 302 and queued == [(run.pk, org.marketer.pk)]
    run.refresh_from_db()
    assert run.status == "running" and Lead.objects.count() == 0
    page = client.get(r["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert 'role="alert"' in page  # no worker has beaten: the page says the import waits for one
    from kehu.core.tasks import heartbeat

    heartbeat.call_local("worker-1")
    page = client.get(r["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'role="alert"' not in page
    # The worker runs it; the next poll asks the browser to reload and show the outcome.
    import_file.call_local(run.pk, org.marketer.pk)
    poll = client.get(r["Location"], headers={"HX-Request": "true"})
    assert poll.headers.get("HX-Refresh") == "true"
    page = client.get(r["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' not in page
    run.refresh_from_db()
    assert (run.status, run.created, run.duplicates, run.rejected) == ("done", 2, 1, 2)


def test_the_worker_writes_row_errors_in_the_importers_language(org, tmp_path):
    import re

    from django.utils import translation

    chinese = re.compile("[\u4e00-\u9fff]")
    for language in ("en", "zh-hans"):
        run = _mapped_run(org, tmp_path)
        with translation.override(language):
            imports.queue_import(run, org.marketer)  # immediate Huey in tests: runs now
        run.refresh_from_db()
        messages = [m for e in run.errors for msgs in e["errors"].values() for m in msgs]
        assert len(messages) == 4
        if language == "en":
            assert "“bad@” is not an e-mail address." in messages
        else:
            assert all(chinese.search(m) for m in messages), messages


def test_a_failed_import_says_why_and_can_run_again(org, tmp_path, web, monkeypatch):
    client = web(org.marketer)
    run = _mapped_run(org, tmp_path)
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    imports.queue_import(run, org.marketer)  # immediate Huey in tests: runs now
    run.refresh_from_db()
    assert run.status == "failed" and run.errors[-1]["row"] == 0
    page = client.get(f"/leads/import/{run.pk}/done/").content.decode()
    (reason,) = run.errors[-1]["errors"]["file"]
    assert "3" in reason and reason in page and '<form method="post">' in page
    assert Lead.objects.count() == 0  # the limit was hit before the first chunk was written
    monkeypatch.setattr(imports, "MAX_ROWS", 1000)
    r = client.post(f"/leads/import/{run.pk}/done/")
    assert r.status_code == 302
    run.refresh_from_db()
    assert run.status == "done" and run.created + run.skipped + run.duplicates + run.rejected == len(ROWS)
    assert Lead.objects.count() == run.created + run.duplicates == 3  # duplicates are kept, linked


def test_salesperson_cannot_import(org, web):
    assert web(org.sales_a1).get("/leads/import/").status_code == 403


def test_cli_import_with_map(org, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("who,tel,where\n张三,13700001234,\n", encoding="utf-8")
    out = io.StringIO()
    call_command(
        "leads_import", str(path), "--channel", "purchased_list", "--map", "who=name", "--map", "tel=phone",
        "--quiet", stdout=out,
    )  # fmt: skip
    assert "1 new" in out.getvalue()
    lead = Lead.objects.get()
    assert lead.phone == "13700001234" and lead.extra == {}

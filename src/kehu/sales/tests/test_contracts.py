"""Contracts: payment plans covered in due order, overdue detection, receipts, attachments."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from kehu.core.errors import Conflict, ValidationFailed
from kehu.customers.models import TimelineEntry
from kehu.sales.models import Contract
from kehu.sales.services import contracts

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def contract(org, customers):
    return contracts.create_contract(
        org.sales_a1,
        {
            "number": "HT-2026-001",
            "title": "设备采购合同",
            "customer": customers.mine.pk,
            "amount": "90000",
            "status": "active",
            "plans": [
                {"due_on": dt.date(2026, 3, 1), "amount": "30000"},
                {"due_on": dt.date(2026, 6, 1), "amount": "30000"},
                {"due_on": dt.date(2026, 9, 1), "amount": "30000"},
            ],
        },
    )


def test_receipts_cover_plans_in_due_order_and_overdue_is_flagged(org, contract):
    contracts.record_payment(org.finance, contract, {"amount": "20000", "received_on": dt.date(2026, 3, 2)})
    contract.refresh_from_db()
    status = contracts.plan_status(contract, TODAY)
    assert [(s.covered, s.outstanding, s.overdue) for s in status] == [
        (D("20000"), D("10000"), True),
        (D("0"), D("30000"), True),
        (D("0"), D("30000"), False),
    ]
    assert list(contracts.overdue_contracts(org.sales_a1, TODAY)) == [contract]
    contracts.record_payment(org.finance, contract, {"amount": "40000"})
    contract.refresh_from_db()
    status = contracts.plan_status(contract, TODAY)
    assert [s.paid for s in status] == [True, True, False]
    assert not any(s.overdue for s in status)
    assert list(contracts.overdue_contracts(org.sales_a1, TODAY)) == []
    # Later, the third plan falls due unpaid.
    assert list(contracts.overdue_contracts(org.sales_a1, dt.date(2026, 9, 2))) == [contract]
    assert contract.received == D("60000") and contract.outstanding == D("30000")


def test_refund_makes_a_plan_overdue_again(org, contract):
    payment = contracts.record_payment(org.finance, contract, {"amount": "60000"})
    assert not contracts.overdue_contracts(org.finance, TODAY).exists()
    contracts.refund_payment(org.finance, payment, {"amount": "5000"})
    assert contracts.overdue_contracts(org.finance, TODAY).exists()
    with pytest.raises(ValidationFailed):
        contracts.refund_payment(org.finance, payment, {"amount": "55000.01"})


def test_plans_cannot_exceed_the_contract(org, customers):
    with pytest.raises(ValidationFailed) as exc:
        contracts.create_contract(
            org.sales_a1,
            {
                "number": "HT-X",
                "title": "t",
                "customer": customers.mine.pk,
                "amount": "100",
                "plans": [{"due_on": TODAY, "amount": "60"}, {"due_on": TODAY, "amount": "50"}],
            },
        )
    assert "plans" in exc.value.fields


def test_payments_only_on_active_contracts_and_timeline(org, customers):
    draft = contracts.create_contract(
        org.sales_a1, {"number": "HT-D", "title": "草稿", "customer": customers.mine.pk, "amount": "100"}
    )
    with pytest.raises(Conflict):
        contracts.record_payment(org.finance, draft, {"amount": "10"})
    kinds = set(TimelineEntry.objects.filter(customer=customers.mine).values_list("kind", flat=True))
    assert "contract" in kinds


def test_contract_needs_a_visible_customer_and_unique_number(org, customers, contract):
    with pytest.raises(ValidationFailed) as exc:
        contracts.create_contract(
            org.sales_a1, {"number": "HT-9", "title": "t", "customer": customers.theirs.pk, "amount": "1"}
        )
    assert "customer" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        contracts.create_contract(
            org.sales_a1,
            {"number": contract.number, "title": "t", "customer": customers.mine.pk, "amount": "1"},
        )
    assert "number" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        contracts.create_contract(
            org.sales_a1,
            {
                "number": "HT-10",
                "title": "t",
                "customer": customers.mine.pk,
                "amount": "1",
                "starts_on": dt.date(2026, 5, 1),
                "ends_on": dt.date(2026, 4, 1),
            },
        )
    assert "ends_on" in exc.value.fields


PDF = b"%PDF-1.4\n%test\n"


def test_attachment_is_stored_under_media_root(org, contract, settings):
    upload = SimpleUploadedFile("合同扫描件.pdf", PDF, content_type="application/pdf")
    attachment = contracts.add_attachment(org.sales_a1, contract, upload)
    assert attachment.size == len(PDF)
    assert attachment.file.path.startswith(str(settings.MEDIA_ROOT))
    with attachment.file.open("rb") as handle:
        assert handle.read() == PDF
    contracts.delete_attachment(org.sales_a1, attachment)
    assert not contract.attachments.exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message_part"),
    [
        ("evil.exe", b"MZ\x90\x00", "application/octet-stream", "not accepted"),
        ("fake.pdf", b"<html>", "application/pdf", "content"),
        ("photo.png", PDF, "application/pdf", "type"),
        ("empty.pdf", b"", "application/pdf", "empty"),
    ],
)
def test_attachment_validation(org, contract, name, content, content_type, message_part):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        contracts.add_attachment(
            org.sales_a1, contract, SimpleUploadedFile(name, content, content_type=content_type)
        )
    assert message_part in exc.value.fields["file"][0]
    assert not contract.attachments.exists()


@override_settings(KEHU_MAX_ATTACHMENT_BYTES=1024)
def test_attachment_size_limit(org, contract):
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 2000, content_type="application/pdf")
    with pytest.raises(ValidationFailed) as exc:
        contracts.add_attachment(org.sales_a1, contract, big)
    assert "file" in exc.value.fields


def test_terminated_contracts_are_not_overdue(org, contract):
    Contract.objects.filter(pk=contract.pk).update(status="terminated")
    assert not contracts.overdue_contracts(org.sales_a1, TODAY).exists()

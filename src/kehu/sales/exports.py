"""Rows for the sales exports; callers pass querysets already limited by scope."""

from django.utils.translation import gettext as _


def contract_rows(qs):
    headers = [
        _("Contract number"),
        _("Title"),
        _("Customer"),
        _("Owner"),
        _("Status"),
        _("Amount"),
        _("Received"),
        _("Signed on"),
        _("Starts on"),
        _("Ends on"),
    ]
    rows = (
        (
            c.number,
            c.title,
            c.customer.name,
            str(c.owner or ""),
            c.get_status_display(),
            c.amount,
            c.received,
            c.signed_on,
            c.starts_on,
            c.ends_on,
        )
        for c in qs.iterator(chunk_size=2000)
    )
    return headers, rows


def order_rows(qs):
    headers = [
        _("Order number"),
        _("Ordered"),
        _("Customer"),
        _("Salesperson"),
        _("Dealer"),
        _("Status"),
        _("Total"),
        _("Refunded"),
    ]
    rows = (
        (
            o.number,
            o.ordered_at.strftime("%Y-%m-%d %H:%M"),
            o.customer.name,
            str(o.owner or ""),
            str(o.dealer or ""),
            o.get_status_display(),
            o.total,
            o.refunded,
        )
        for o in qs.iterator(chunk_size=2000)
    )
    return headers, rows


def statement_rows(entries):
    headers = [
        _("Date"),
        _("Source"),
        _("Order"),
        _("Contract"),
        _("Rule"),
        _("Base amount"),
        _("Share (%)"),
        _("Commission"),
    ]
    rows = (
        (
            e.occurred_on,
            e.get_source_display(),
            e.order.number if e.order_id else "",
            e.payment.contract.number if e.payment_id else "",
            e.rule.name if e.rule_id else "",
            e.base_amount,
            e.share,
            e.amount,
        )
        for e in entries.iterator(chunk_size=2000)
    )
    return headers, rows

"""Listening to the leads domain: new leads are routed as soon as intake stores them."""

import logging

log = logging.getLogger(__name__)


def on_leads_received(sender, leads, actor=None, **kwargs):
    """Route the batch; never raise into intake (failed leads stay NEW for the retry sweep)."""
    from .services.routing import route_leads

    try:
        route_leads(list(leads), actor=actor)
    except Exception:
        log.exception("routing %s new leads failed; left for the retry sweep", len(leads))

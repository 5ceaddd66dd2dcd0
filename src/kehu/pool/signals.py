from .services import adopt_owned, record_follow_up


def on_follow_up(sender, follow_up=None, lead_id=None, customer_id=None, at=None, actor=None, **kwargs):
    if lead_id or customer_id:
        record_follow_up(lead_id=lead_id, customer_id=customer_id, at=at)


def on_leads_received(sender, leads=(), actor=None, **kwargs):
    adopt_owned(list(leads), actor=actor)

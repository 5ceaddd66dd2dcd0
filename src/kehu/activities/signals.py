"""Events the activities domain publishes.

follow_up_recorded(sender, follow_up, lead_id: int | None, customer_id: int | None, at, actor)
    Sent after a follow-up (call, visit, WeChat, e-mail, meeting) on a lead or a customer is
    saved. The pool domain listens: a follow-up meets the first-follow-up deadline and
    counts for the customer pool's "not followed up" rule.
"""

from django.dispatch import Signal

follow_up_recorded = Signal()

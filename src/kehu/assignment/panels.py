""" "Why was this lead assigned" as a panel for the lead pages.

``lead_panel(request, lead) -> html | None``: the leads app's lead page (or the pool's) can
register or include it like the pool's ``lead_panel``; ``GET /assignment/leads/<id>/why/``
serves the same fragment for htmx (``hx-get`` … ``hx-trigger="load"``).
"""

from django.template.loader import render_to_string

from . import explain


def lead_panel(request, lead):
    why = explain.explain(lead)
    if why is None:
        return None
    return render_to_string("assignment/_why.html", {"lead": lead, "why": why}, request=request)

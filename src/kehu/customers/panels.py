"""Panels other domains add to the customer page (leads, opportunities, orders …).

A panel is a function ``(request, customer) -> str | None`` returning rendered HTML, or
None when it has nothing to show. Registering keeps the customer app free of imports
from the domains that build on it.
"""

from collections.abc import Callable

from django.utils.safestring import mark_safe

_PANELS: list[tuple[int, Callable]] = []


def register(order: int, panel: Callable) -> None:
    if all(existing is not panel for _, existing in _PANELS):
        _PANELS.append((order, panel))
        _PANELS.sort(key=lambda pair: pair[0])


def render_all(request, customer) -> list[str]:
    rendered = (panel(request, customer) for _, panel in _PANELS)
    return [mark_safe(html) for html in rendered if html]  # noqa: S308 - panels render templates

"""Stored reasons (``Reason.as_dict()``) back to sentences in the reader's language."""

from .engine.reasons import TEMPLATES, Reason


def describe_reasons(reasons: list[dict]) -> list[tuple[str, float, bool]]:
    """``(text, points, veto)`` for each stored reason worth showing."""
    out = []
    for item in reasons or []:
        if item.get("code") not in TEMPLATES:
            continue
        reason = Reason(
            item["code"], item.get("points", 0.0), item.get("params") or {}, item.get("veto", False)
        )
        if reason.points or reason.veto:
            try:
                out.append((reason.text, reason.points, reason.veto))
            except (KeyError, TypeError, ValueError):
                continue
    return out

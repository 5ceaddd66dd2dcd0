"""Why a lead went where it went: reason data (stored) and its text (rendered per reader).

The engine produces data (rule, strategy, skipped people and why, rank …); ``describe``
turns it into a sentence in the active language, so the lead page speaks the reader's
language while the ledger keeps one stored text in the site language.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .engine import GROUP_QUOTA, INACTIVE, ON_LEAVE, QUOTA
from .models import Rule

MAX_NAMED_SKIPS = 8

SKIP_LABELS = {
    ON_LEAVE: gettext_lazy("on leave"),
    QUOTA: gettext_lazy("at their holding quota"),
    GROUP_QUOTA: gettext_lazy("their team or department is at its quota"),
    INACTIVE: gettext_lazy("inactive"),
    "refused": gettext_lazy("refused by the pool"),
}
DIMENSION_LABELS = {
    "region": gettext_lazy("region"),
    "industry": gettext_lazy("industry"),
    "scale": gettext_lazy("customer scale"),
    "level": gettext_lazy("performance level"),
    "tenure": gettext_lazy("tenure"),
}


def with_names(reason: dict, names: dict[int, str]) -> dict:
    """Put the names of the people a reason mentions into it (kept short)."""
    skipped = reason.get("skipped") or []
    if skipped:
        reason["skipped_total"] = len(skipped)
        reason["skipped"] = [[pk, why, names.get(pk, f"#{pk}")] for pk, why, *_ in skipped[:MAX_NAMED_SKIPS]]
    return reason


def _join(items) -> str:
    return _(", ").join(str(i) for i in items)


def _skips(reason: dict) -> str:
    skipped = reason.get("skipped") or []
    if not skipped:
        return ""
    parts = [f"{name} ({SKIP_LABELS.get(why, why)})" for _pk, why, name in skipped]
    extra = int(reason.get("skipped_total", len(skipped))) - len(skipped)
    text = _("Skipped: %(people)s") % {"people": _join(parts)}
    if extra > 0:
        text += " " + _("and %(n)s more") % {"n": extra}
    return text + "."


def _strategy(reason: dict) -> str:
    strategy = reason.get("strategy")
    if strategy == Rule.Strategy.ROUND_ROBIN:
        return _("next in turn (round-robin)")
    if strategy == Rule.Strategy.LOAD_BALANCED:
        return _("fewest open leads (%(n)s)") % {"n": reason.get("open_leads", 0)}
    if strategy == Rule.Strategy.DIRECT_MATCH:
        dims = [DIMENSION_LABELS.get(d, d) for d in reason.get("dimensions") or []]
        text = (
            _("direct matching on %(dims)s, in turn within a group of %(n)s")
            % {"dims": _join(dims), "n": reason.get("group_size", 0)}
            if dims
            else _("direct matching, in turn among all candidates")
        )
        relaxed = [DIMENSION_LABELS.get(d, d) for d in reason.get("relaxed") or []]
        if relaxed:
            text += "; " + _("nobody matched on %(dims)s, so that was relaxed") % {"dims": _join(relaxed)}
        return text
    if strategy == Rule.Strategy.LEADERBOARD:
        return _("leaderboard rank %(rank)s of %(n)s, %(weight)s turns per cycle") % {
            "rank": reason.get("rank"),
            "n": reason.get("ranked"),
            "weight": reason.get("weight"),
        }
    return str(strategy or "")


def describe(reason: dict) -> str:
    """One readable sentence (or two) in the active language."""
    why = reason.get("why")
    rule = reason.get("rule_name") or ""
    if why == "no_rule":
        text = _("No assignment rule matched; the lead went to its default pool.")
    elif why == "pool":
        text = _("Rule “%(rule)s” sends such leads to a pool.") % {"rule": rule}
    elif why == "assigned":
        text = _("Rule “%(rule)s”: %(person)s — %(how)s.") % {
            "rule": rule,
            "person": reason.get("person_name", ""),
            "how": _strategy(reason),
        }
    elif why == "no_candidates":
        text = _("Rule “%(rule)s” names no active salespeople; the lead went to the rule's pool.") % {
            "rule": rule
        }
    elif why == "nobody_available":
        text = _("Rule “%(rule)s”: nobody could take the lead; it went to the rule's pool.") % {"rule": rule}
    elif why == "reassigned":
        text = _("Reassigned by rule “%(rule)s” after the previous owner's deadline passed: %(how)s.") % {
            "rule": rule,
            "how": _strategy(reason),
        }
    else:
        text = str(why or "")
    skips = _skips(reason)
    return f"{text} {skips}".strip()


def stored_text(reason: dict) -> str:
    """The text kept on the ledger event, in the site language."""
    if translation.get_language() == settings.LANGUAGE_CODE:  # skip the override per lead in batches
        return describe(reason)[:500]
    with translation.override(settings.LANGUAGE_CODE):
        return describe(reason)[:500]

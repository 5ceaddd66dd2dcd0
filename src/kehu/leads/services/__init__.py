"""Lead rules: every path (UI, API, capture endpoint, import, CLI) goes through here."""

from .intake import ALREADY_IMPORTED, REJECTED, Pipeline, RowResult, intake_batch, intake_one, row_key
from .leads import touch_follow_up, update_lead

__all__ = [
    "ALREADY_IMPORTED",
    "REJECTED",
    "Pipeline",
    "RowResult",
    "intake_batch",
    "intake_one",
    "row_key",
    "touch_follow_up",
    "update_lead",
]

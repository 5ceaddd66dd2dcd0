"""Per-salesperson performance metrics, contributed by the domains that own the data.

The leaderboard assignment strategy and the analytics leaderboard read the same metrics
through this registry, so a figure is computed by one piece of code. A domain registers
its metrics in its AppConfig.ready():

    metrics.register(metrics.Metric("payments", _("Payments received"), compute_payments))

``compute(user_ids, start, end)`` returns {user_id: value} for the half-open period
[start, end); users without activity may be left out (they count as 0).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

Compute = Callable[[Iterable[int], dt.datetime, dt.datetime], dict[int, float]]


@dataclass(frozen=True)
class Metric:
    code: str
    label: object
    compute: Compute
    higher_is_better: bool = True


METRICS: dict[str, Metric] = {}


def register(metric: Metric) -> None:
    METRICS[metric.code] = metric


def get(code: str) -> Metric:
    try:
        return METRICS[code]
    except KeyError:
        raise LookupError(f"no metric {code!r}; known: {sorted(METRICS)}") from None


def compute(code: str, user_ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> dict[int, float]:
    ids = list(user_ids)
    values = get(code).compute(ids, start, end)
    return {user_id: float(values.get(user_id, 0)) for user_id in ids}

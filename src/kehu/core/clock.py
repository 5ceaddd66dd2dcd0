"""The one clock domain code asks for "now".

Tests, periodic sweeps and the rule simulator move time by wrapping code in
``frozen(at)``; everything else gets ``django.utils.timezone.now()``.
"""

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_frozen: ContextVar[dt.datetime | None] = ContextVar("kehu_clock", default=None)


def now() -> dt.datetime:
    return _frozen.get() or timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


@contextmanager
def frozen(at: dt.datetime):
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    token = _frozen.set(at)
    try:
        yield at
    finally:
        _frozen.reset(token)

"""The pool domain's rules: ownership verbs, limits, visibility, sweeps, conversion.

    from kehu.pool import services as pool
    pool.claim(user, lead)                      # Conflict(code=…) when refused
    pool.release(user, lead, reason)
    pool.assign(lead, user, actor=None, rule=rule, reason="round-robin")
    pool.send_to_pool(lead, pool_or_None, reason=…, actor=…)
    pool.transfer(lead, to_user, actor=…, reason=…)
    pool.reclaim(lead, reason=…, actor=None, cause="follow_up")
    pool.convert(lead, actor, …)
    pool.check_limits(user, "claim" | "assign" | "customer_claim" | "customer_assign", n=1)  # None | Refusal
    pool.assign_many(items) / pool.send_many_to_pool(items)   # batches from intake (see bulk.py)

All verbs take a Lead or a Customer (customer pools, 客户公海, use the same engine).
"""

from kehu.core.errors import ServiceError

from .bulk import adopt_owned, assign_many, send_many_to_pool
from .conversion import convert
from .limits import Refusal, check_limits, claims_today, held_count, limits_for, lock_for
from .ownership import (
    Reassignment,
    assign,
    claim,
    claim_refusal,
    cooling_off,
    default_pool,
    policy_for,
    reassigners,
    reclaim,
    record_follow_up,
    release,
    send_to_pool,
    transfer,
)
from .visibility import can_manage, managed_pools, order_for, pool_filter, visible_pools

__all__ = [
    "Reassignment",
    "Refusal",
    "ServiceError",
    "adopt_owned",
    "assign",
    "assign_many",
    "can_manage",
    "check_limits",
    "claim",
    "claim_refusal",
    "claims_today",
    "convert",
    "cooling_off",
    "default_pool",
    "held_count",
    "limits_for",
    "lock_for",
    "managed_pools",
    "order_for",
    "policy_for",
    "pool_filter",
    "reassigners",
    "reclaim",
    "record_follow_up",
    "release",
    "send_many_to_pool",
    "send_to_pool",
    "transfer",
    "visible_pools",
]

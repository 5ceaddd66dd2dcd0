"""Changing a customer's owner from the customer record.

Only the pool domain changes owners (it keeps the ownership ledger, quotas and deadlines), but
customers cannot import it (pool builds on customers). So pool registers its handler here at
start-up and the customer services call it; without one (pool not installed) the owner is set
directly.
"""

from collections.abc import Callable

_handler: Callable | None = None


def register(handler: Callable) -> None:
    """``handler(actor, customer, new_owner_id)`` changes the owner through the ledger."""
    global _handler
    _handler = handler


def change_owner(actor, customer, new_owner_id: int | None) -> bool:
    """True when a registered handler made the change (the caller must not save the owner)."""
    if _handler is None:
        return False
    _handler(actor, customer, new_owner_id)
    return True

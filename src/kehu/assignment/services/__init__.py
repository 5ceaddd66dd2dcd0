"""The assignment domain's rules: rule sets and rules, routing, simulation.

from kehu.assignment import services as assignment
assignment.route_leads(leads, actor=None)       # first matching rule wins; else default pool
assignment.simulate(rule_set, days=30)          # replay recent leads, changes nothing
"""

from .routing import reassign, retry_stuck, route_leads
from .rules import (
    activate_rule_set,
    clean_rule,
    create_rule,
    create_rule_set,
    delete_rule,
    delete_rule_set,
    move_rule,
    reorder_rules,
    require_manager,
    set_rule_active,
    update_rule,
    update_rule_set,
)
from .simulation import gini, simulate

__all__ = [
    "activate_rule_set",
    "clean_rule",
    "create_rule",
    "create_rule_set",
    "delete_rule",
    "delete_rule_set",
    "gini",
    "move_rule",
    "reassign",
    "reorder_rules",
    "require_manager",
    "retry_stuck",
    "route_leads",
    "set_rule_active",
    "simulate",
    "update_rule",
    "update_rule_set",
]

"""Events the leads domain publishes; other domains listen (leads never imports them).

leads_arriving(sender, leads: list[Lead], actor)
    Sent by the intake pipeline, inside the intake transaction, with a batch's unowned new
    leads just before it stores them (the batch's other leads are stored already): the
    leads have their ids but no row yet (rows that point at them may be written — foreign
    keys are checked at commit). A receiver may settle their owner and status on the
    instances, which are then stored as they are, so a routed lead is written once rather
    than inserted and updated. It must leave the instances as it found them when it fails
    (``leads_received`` follows and deals with whatever is still new).

leads_received(sender, leads: list[Lead], actor)
    Sent by the intake pipeline after a batch of new, non-duplicate leads is stored, inside
    the intake transaction (leads that match an existing customer included: they may
    already be given to its owner). The pool/assignment domains route the unowned ones
    (assignment rules or a pool), record the owned ones in the ledger, and notify people.
    A handler must not raise for one bad lead: it records why and leaves the lead NEW for
    the periodic sweep to retry.

lead_converted(sender, lead: Lead, customer: Customer, actor, opportunity: dict | None)
    Sent when a lead becomes a customer; ``opportunity`` holds the fields of an opportunity
    to open (name, amount, expected close date …) when the user asked for one. The sales
    domain creates it.
"""

from django.dispatch import Signal

leads_arriving = Signal()
leads_received = Signal()
lead_converted = Signal()

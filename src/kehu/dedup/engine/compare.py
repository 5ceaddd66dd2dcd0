"""Rule-based comparison of two prepared records.

Every piece of evidence is a ``Reason`` worth a fixed number of points (``WEIGHTS``, a
Fellegi–Sunter style log-odds table written by hand, not learned). The points add up; a
pair is the same customer when the total reaches ``MATCH_AT`` and nothing vetoes it.
Vetoes are contradictions no amount of agreement outweighs: a person and a company, two
valid but different credit codes or ID numbers, a branch against its head office, or two
companies registered in different places.

Semantics the weights encode:
* a person is one individual: a shared landline (a company switchboard) is weak evidence
  unless the names agree too; a shared mobile or e-mail is strong unless the names clash;
* a company is every contact of it: the contact's name hardly matters, the company name
  does; any phone, e-mail or address of the company counts for it;
* names of distinct companies may differ by one character: a one-character difference is
  worth little on its own and needs a shared phone, e-mail, address or code to match.
"""

import math
from dataclasses import dataclass

from kehu.core.normalize.addresses import compare_addresses

from .reasons import Reason
from .records import COMPANY, PERSON, Prepared
from .similarity import company_level, name_level

MATCH_AT = 10.0  # points needed for "same customer"
POSSIBLE_AT = 6.0  # points for "possible duplicate, ask a person"

WEIGHTS = {
    "same_credit_code": 14.0,
    "same_id_number": 14.0,
    ("same_mobile", PERSON): 10.0,
    ("same_mobile", COMPANY): 7.0,
    ("same_landline", PERSON): 6.0,
    ("same_landline", COMPANY): 7.0,
    ("same_email", PERSON): 10.0,
    ("same_email", COMPANY): 8.0,
    "same_email_domain": 4.0,
    "email_domain_spells_company": 5.0,
    "email_domains_spell_two_companies": -4.0,
    "mobile_differs": -1.0,
    "email_differs": -1.0,
    # Person names (for companies: the contact person)
    "name_same": 4.0,
    "name_homophone": 2.0,
    "name_typo": 1.5,
    "name_typo_short": 0.0,
    "name_surname_only": 0.5,
    "name_differs": -10.0,
    "contact_same": 3.0,
    "contact_homophone": 1.0,
    # Company names
    "company_same": 10.0,
    "company_short": 6.0,
    "company_core_same": -2.0,
    "company_homophone": 5.0,
    "company_typo": 2.0,
    "company_contains": 4.0,
    "company_similar": 1.0,
    "company_differs": -8.0,
    "same_employer": 6.0,
    # Places
    "same_city": 1.0,
    ("city_differs", PERSON): -3.0,
    ("city_differs", COMPANY): -6.0,
    ("address", PERSON, "room"): 7.0,
    ("address", PERSON, "floor"): 6.0,  # a flat's floor without its room: as good as the building
    ("address", PERSON, "building"): 6.0,
    ("address", PERSON, "number"): 5.0,
    ("address", COMPANY, "room"): 7.0,
    ("address", COMPANY, "floor"): 7.0,
    ("address", COMPANY, "building"): 6.0,
    ("address", COMPANY, "number"): 4.0,
    ("address_differs", PERSON): -2.0,
    ("address_differs", COMPANY): -1.0,
}


@dataclass(frozen=True, slots=True)
class Match:
    left_id: str
    right_id: str
    points: float
    decision: str  # "match" | "possible" | "distinct"
    reasons: tuple[Reason, ...]

    @property
    def score(self) -> float:
        """0..1; 0.5 at the match threshold, vetoed pairs 0."""
        if any(r.veto for r in self.reasons):
            return 0.0
        return 1.0 / (1.0 + math.exp(-(self.points - MATCH_AT) / 2.0))

    @property
    def is_match(self) -> bool:
        return self.decision == "match"

    def explain(self) -> str:
        shown = [r for r in self.reasons if r.veto or r.points]
        return "; ".join(r.text for r in shown)

    def as_dict(self) -> dict:
        return {
            "left_id": self.left_id,
            "right_id": self.right_id,
            "score": round(self.score, 4),
            "points": self.points,
            "decision": self.decision,
            "reasons": [r.as_dict() for r in self.reasons],
        }


def _weight(code: str, *qualifiers: str) -> float:
    return WEIGHTS[(code, *qualifiers)] if qualifiers else WEIGHTS[code]


def _identifiers(a: Prepared, b: Prepared, kind: str, out: list[Reason]) -> None:
    if a.credit_code and b.credit_code:
        if a.credit_code == b.credit_code:
            out.append(Reason("same_credit_code", _weight("same_credit_code")))
        elif a.credit_code_valid and b.credit_code_valid:
            out.append(Reason("credit_code_differs", 0.0, veto=True))
    if a.id_number and b.id_number:
        if a.id_number == b.id_number:
            out.append(Reason("same_id_number", _weight("same_id_number")))
        elif a.id_number_valid and b.id_number_valid:
            out.append(Reason("id_number_differs", 0.0, veto=True))
    if a.mobiles and b.mobiles:
        if a.mobiles & b.mobiles:
            out.append(Reason("same_mobile", _weight("same_mobile", kind)))
        elif kind == PERSON:
            out.append(Reason("mobile_differs", _weight("mobile_differs")))
    shared = a.landlines & b.landlines
    if shared:
        phone = min(shared)
        if kind == PERSON and _same_employer(a, b):
            # Colleagues share the switchboard: it says no more than the employer does.
            out.append(Reason("same_switchboard", 0.0, {"phone": phone}))
        else:
            out.append(Reason("same_landline", _weight("same_landline", kind), {"phone": phone}))
    if a.emails and b.emails:
        if a.emails & b.emails:
            out.append(Reason("same_email", _weight("same_email", kind)))
        elif a.email_domains & b.email_domains:
            domain = min(a.email_domains & b.email_domains)
            out.append(Reason("same_email_domain", _weight("same_email_domain"), {"domain": domain}))
        elif kind == PERSON:
            out.append(Reason("email_differs", _weight("email_differs")))


def _person_names(a: Prepared, b: Prepared, out: list[Reason]) -> None:
    if a.name is None or b.name is None:
        return
    level = name_level(a.name, b.name)
    params = {} if level == "same" else {"a": a.name.text, "b": b.name.text}
    out.append(Reason(f"name_{level}", _weight(f"name_{level}"), params))
    if _same_employer(a, b):
        # Workplace evidence (employer, its switchboard) is shared by every colleague: it
        # supports a name that agrees, never a name that merely resembles (张永 / 张军).
        agrees = level in ("same", "homophone", "typo")
        out.append(Reason("same_employer", _weight("same_employer") if agrees else 0.0))


def _same_employer(a: Prepared, b: Prepared) -> bool:
    return a.company is not None and b.company is not None and a.company.core == b.company.core


def _contacts(a: Prepared, b: Prepared, out: list[Reason]) -> None:
    """A company's contact: agreeing is a small plus, disagreeing means nothing."""
    if a.name is None or b.name is None or a.name.partial or b.name.partial:
        return
    if a.name.text == b.name.text:
        out.append(Reason("contact_same", _weight("contact_same")))
    elif a.name.pinyin == b.name.pinyin:
        out.append(
            Reason("contact_homophone", _weight("contact_homophone"), {"a": a.name.text, "b": b.name.text})
        )


def _companies(a: Prepared, b: Prepared, out: list[Reason]) -> None:
    x, y = a.company, b.company
    if x is None or y is None:
        return
    # A branch registers its own credit code, so a head office's code on a branch lead is a
    # typing mistake: the branch word wins. The registration place is the code's to decide.
    same_code = bool(a.credit_code) and a.credit_code == b.credit_code
    if x.branch != y.branch:
        out.append(Reason("branch_differs", 0.0, {"a": x.text, "b": y.text}, veto=True))
    if not same_code and _registered_apart(a, b):
        params = {
            "a": a.registered_city or a.registered_province,
            "b": b.registered_city or b.registered_province,
        }
        out.append(Reason("company_region_differs", 0.0, params, veto=True))
    level, similarity = company_level(x, y)
    if level in ("same", "short", "core_same"):
        out.append(Reason(f"company_{level}", _weight(f"company_{level}"), {"core": x.core}))
        return
    _domain_spells(a, b, out)
    params: dict = {"a": x.text, "b": y.text}
    code = f"company_{level}"
    if level in ("typo", "similar"):  # both read "company name 0.83 similar"; a typo weighs more
        code, params["similarity"] = "company_similar", similarity
    out.append(Reason(code, _weight(f"company_{level}"), params))


def _registered_apart(a: Prepared, b: Prepared) -> bool:
    if a.registered_city and b.registered_city:
        return a.registered_city != b.registered_city
    if a.registered_province and b.registered_province:
        return a.registered_province != b.registered_province
    return False


def _domain_spells(a: Prepared, b: Prepared, out: list[Reason]) -> None:
    """Company mail domains are usually the core in pinyin (尚祈 -> shangqi.com).

    When the names differ slightly, a domain that spells the *other* record's core says the
    name is a typo; domains on both sides that spell their own, different cores say these
    are two companies.
    """
    spelled_a, spelled_b = a.company.spelled, b.company.spelled
    if spelled_a == spelled_b or min(len(spelled_a), len(spelled_b)) < 4:
        return
    for mine, other, theirs in ((a, b, spelled_b), (b, a, spelled_a)):
        for domain in sorted(mine.email_domains):
            if domain.startswith(theirs):
                params = {"domain": domain, "core": other.company.core}
                out.append(
                    Reason("email_domain_spells_company", _weight("email_domain_spells_company"), params)
                )
                return
    own_a = next((d for d in sorted(a.email_domains) if d.startswith(spelled_a)), "")
    own_b = next((d for d in sorted(b.email_domains) if d.startswith(spelled_b)), "")
    if own_a and own_b:
        params = {"a": own_a, "b": own_b}
        out.append(
            Reason("email_domains_spell_two_companies", _weight("email_domains_spell_two_companies"), params)
        )


def _places(a: Prepared, b: Prepared, kind: str, out: list[Reason]) -> None:
    cities_compared = bool(a.city and b.city)
    if cities_compared:
        if a.city == b.city:
            out.append(Reason("same_city", _weight("same_city")))
        elif kind == COMPANY and a.registered_city and a.registered_city == b.registered_city:
            pass  # registered in the same city: a contact elsewhere is not another company
        else:
            out.append(Reason("city_differs", _weight("city_differs", kind), {"a": a.city, "b": b.city}))
    match = compare_addresses(a.address, b.address)
    if match is None or match.level == "road":
        return
    if match.level == "different":
        if not (match.conflict == "city" and cities_compared):  # not counted twice
            out.append(Reason("address_differs", _weight("address_differs", kind), {"part": match.conflict}))
        return
    points = _weight("address", kind, match.level)
    if match.level == "number":
        out.append(Reason("address_same_street", points))
    else:
        out.append(Reason("address_same", points, {"level": match.level}))


def explain(a: Prepared, b: Prepared) -> Match:
    """Compare two records and return the full verdict, whatever it is."""
    reasons: list[Reason] = []
    if a.kind and b.kind and a.kind != b.kind:
        reasons.append(Reason("kind_differs", 0.0, veto=True))
        return Match(a.id, b.id, 0.0, "distinct", tuple(reasons))
    kind = a.kind or b.kind or PERSON
    _identifiers(a, b, kind, reasons)
    if kind == COMPANY:
        _companies(a, b, reasons)
        _contacts(a, b, reasons)
    else:
        _person_names(a, b, reasons)
    _places(a, b, kind, reasons)

    points = sum(r.points for r in reasons)
    if any(r.veto for r in reasons):
        decision = "distinct"
    elif points >= MATCH_AT:
        decision = "match"
    elif points >= POSSIBLE_AT:
        decision = "possible"
    else:
        decision = "distinct"
    return Match(a.id, b.id, points, decision, tuple(reasons))


def compare(a: Prepared, b: Prepared) -> Match | None:
    """The verdict when the pair is a match or a possible match, else ``None``."""
    result = explain(a, b)
    return result if result.decision != "distinct" else None

"""Why two records were (or were not) judged the same customer.

A ``Reason`` is a stable code, the parameters the sentence needs and the points it added to
the score. The UI translates ``code`` + ``params`` itself; ``text`` renders the English (or
active-language) sentence on demand through Django's lazy translation.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

TEMPLATES = {
    # Identifiers
    "same_credit_code": _("same unified social credit code"),
    "credit_code_differs": _("different unified social credit codes"),
    "same_id_number": _("same ID number"),
    "id_number_differs": _("different ID numbers"),
    "same_mobile": _("same mobile"),
    "mobile_differs": _("different mobiles"),
    "same_landline": _("same landline %(phone)s"),
    "same_switchboard": _("same company switchboard %(phone)s"),
    "same_email": _("same e-mail"),
    "email_differs": _("different e-mails"),
    "same_email_domain": _("same company e-mail domain %(domain)s"),
    "email_domain_spells_company": _("e-mail domain %(domain)s spells the company name %(core)s"),
    "email_domains_spell_two_companies": _(
        "e-mail domains %(a)s and %(b)s spell two different company names"
    ),
    # Person names
    "name_same": _("same name"),
    "name_homophone": _("names sound the same (%(a)s / %(b)s)"),
    "name_typo": _("names differ by one character (%(a)s / %(b)s)"),
    "name_surname_only": _("same surname (%(a)s / %(b)s)"),
    "name_differs": _("different names (%(a)s / %(b)s)"),
    "contact_same": _("same contact person"),
    "contact_homophone": _("contact names sound the same (%(a)s / %(b)s)"),
    # Company names
    "company_same": _("same company name (%(core)s)"),
    "company_short": _("same company short name %(core)s"),
    "company_core_same": _("same name core %(core)s but a different trade"),
    "company_homophone": _("company names sound the same (%(a)s / %(b)s)"),
    "company_similar": _("company name %(similarity).2f similar (%(a)s / %(b)s)"),
    "company_contains": _("company name %(a)s contains %(b)s"),
    "company_differs": _("different company names (%(a)s / %(b)s)"),
    "branch_differs": _("branch and head office, or different branches (%(a)s / %(b)s)"),
    "same_employer": _("same employer"),
    # Places
    "same_city": _("same city"),
    "city_differs": _("different cities (%(a)s / %(b)s)"),
    "company_region_differs": _("company registered in different places (%(a)s / %(b)s)"),
    "address_same": _("same address (down to the %(level)s)"),
    "address_same_street": _("same street and number"),
    "address_differs": _("different addresses (%(part)s)"),
    # Structure
    "kind_differs": _("one is a person, the other a company"),
}

ADDRESS_LEVELS = {
    "room": _("room"),
    "floor": _("floor"),
    "building": _("building"),
}
ADDRESS_PARTS = {
    "city": _("city"),
    "district": _("district"),
    "road": _("road"),
    "lane": _("lane"),
    "number": _("house number"),
    "building": _("building"),
    "unit": _("unit"),
    "floor": _("floor"),
    "room": _("room"),
}


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    points: float
    params: dict = field(default_factory=dict)
    veto: bool = False  # a contradiction that rules the match out whatever else agrees

    @property
    def text(self) -> str:
        params = dict(self.params)
        if "level" in params:
            params["level"] = str(ADDRESS_LEVELS.get(params["level"], params["level"]))
        if "part" in params:
            params["part"] = str(ADDRESS_PARTS.get(params["part"], params["part"]))
        template = str(TEMPLATES[self.code])
        return template % params if params else template

    def as_dict(self) -> dict:
        return {"code": self.code, "points": self.points, "params": dict(self.params), "veto": self.veto}

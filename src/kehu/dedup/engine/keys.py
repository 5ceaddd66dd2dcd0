"""Blocking keys: the few index entries through which a record can find its duplicates.

A record's keys are short strings (``m:13812345678``, ``co:尚祈``); two records are compared
only if they share one. Each key is selective on its own (an identifier, a company core, a
name within a city or a street number), so the candidates of a new lead do not grow with
the CRM. A DB stores them in an indexed ``(key, record)`` table and fetches candidates with
one ``WHERE key IN (...)``; keys shared by too many records (a building's switchboard, a
very common name in a big city) are skipped by the index as uninformative.

Prefixes: m mobile · t landline · e e-mail · ed company e-mail domain · ric ID number ·
uscc credit code · co company core · cy company core + city · cp company core pinyin ·
cx company core with one character masked, with industry and city (typos) · nm person
name + city · np name pinyin + city · na name + street number · ar street number + room.
"""

from kehu.core.normalize.addresses import Address

from .records import COMPANY, Prepared


def _street(address: Address | None) -> str:
    if address is None or not address.has_street:
        return ""
    lane = f"{address.lane}-" if address.lane else ""
    return f"{address.road}{lane}{address.number}"


def blocking_keys(p: Prepared) -> list[str]:
    keys: list[str] = []
    keys += [f"m:{m}" for m in sorted(p.mobiles)]
    keys += [f"t:{t}" for t in sorted(p.landlines)]
    keys += [f"e:{e}" for e in sorted(p.emails)]
    if p.id_number:
        keys.append(f"ric:{p.id_number}")
    if p.credit_code:
        keys.append(f"uscc:{p.credit_code}")
    street = _street(p.address)
    if p.kind == COMPANY:
        keys += [f"ed:{d}" for d in sorted(p.email_domains)]
        if p.company is not None:
            core = p.company.core
            keys.append(f"co:{p.company.key}")
            if p.city:  # stays selective where a popular core alone would be a stop key
                keys.append(f"cy:{p.company.key}|{p.city}")
            keys.append(f"cp:{p.company.key.replace(core, p.company.spelled, 1)}")
            if len(core) >= 2:
                industry = p.company.industry[-1] if p.company.industry else ""
                # With the city: a masked two-character core alone (尚*) is far from selective.
                keys += [f"cx:{core[:i]}*{core[i + 1 :]}|{industry}|{p.city}" for i in range(len(core))]
    elif p.name is not None and not p.name.partial:
        if p.city:
            keys.append(f"nm:{p.name.text}|{p.city}")
            keys.append(f"np:{p.name.pinyin}|{p.city}")
        if street:
            keys.append(f"na:{p.name.text}|{street}")
    if street and p.address is not None and p.address.room:
        keys.append(f"ar:{street}#{p.address.room}")
    return list(dict.fromkeys(keys))

"""Enrichment: fill a company lead's industry, size and credit code from outside sources.

A provider answers ``lookup(company_name) -> dict | None`` with any of ``industry`` (code or
name), ``company_size`` (micro/small/medium/large) and ``credit_code``. Providers are tried
in order until the missing fields are filled. A failing or slow provider never blocks
intake: its error is logged and the lead goes on without the facts.
"""

import csv
import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from functools import lru_cache
from typing import Protocol

from kehu.core.normalize import InvalidValue, normalize_credit_code
from kehu.core.normalize.companies import parse_company

from ..models import EnrichmentSource

log = logging.getLogger(__name__)
FILLED = ("industry", "company_size", "credit_code")


class Provider(Protocol):
    name: str

    def lookup(self, company: str) -> dict | None: ...


def _company_key(name: str) -> str:
    parsed = parse_company(name) if name and name.strip() else None
    return parsed.key if parsed else ""


@lru_cache(maxsize=8)
def _registry(path: str, mtime: float) -> dict[str, dict]:
    """The registry file by company key (name, credit_code, industry, company_size columns)."""
    table: dict[str, dict] = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            key = _company_key(row.get("name") or row.get("company") or "")
            if key:
                table.setdefault(key, {k: (row.get(k) or "").strip() for k in FILLED})
    return table


class CsvRegistryProvider:
    """A local company-registry extract (CSV), matched on the company-name core and branch."""

    def __init__(self, path: str, name: str = "csv"):
        self.path, self.name = path, name

    def lookup(self, company: str) -> dict | None:
        table = _registry(self.path, os.path.getmtime(self.path))
        return table.get(_company_key(company))


class HttpProvider:
    """``GET {url}?name=<company>`` answering JSON ``{"industry", "company_size", "credit_code"}``.

    404 means unknown. Any other failure (timeout, refused, bad JSON) raises, and the
    enricher logs it and carries on.
    """

    def __init__(self, url: str, timeout: float = 2.0, name: str = "http"):
        self.url, self.timeout, self.name = url, timeout, name

    def lookup(self, company: str) -> dict | None:
        sep = "&" if "?" in self.url else "?"
        url = f"{self.url}{sep}{urllib.parse.urlencode({'name': company})}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                body = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise
        return body if isinstance(body, dict) else None


def providers_from_settings() -> list[Provider]:
    out: list[Provider] = []
    for source in EnrichmentSource.objects.filter(active=True):
        if source.kind == EnrichmentSource.Kind.CSV:
            out.append(CsvRegistryProvider(source.location, source.name))
        else:
            out.append(HttpProvider(source.location, source.timeout, source.name))
    return out


class Enricher:
    def __init__(self, providers: list[Provider] | None = None, lookups=None):
        self.providers = providers_from_settings() if providers is None else providers
        self.lookups = lookups
        self.failures = 0

    def enrich(self, values: dict) -> list[str]:
        """Fill missing facts in ``values`` (model values after validation); the fields filled."""
        company = values.get("company") or ""
        missing = [f for f in FILLED if not values.get(f)]
        if not company or not missing or not self.providers:
            return []
        filled = []
        for provider in self.providers:
            try:
                found = provider.lookup(company) or {}
            except Exception as exc:
                self.failures += 1
                log.warning("enrichment provider %s failed for %r: %s", provider.name, company, exc)
                continue
            for field in list(missing):
                value = self._value(field, found.get(field))
                if value:
                    values[field] = value
                    missing.remove(field)
                    filled.append(field)
            if not missing:
                break
        return filled

    def _value(self, field: str, raw):
        text = str(raw or "").strip()
        if not text:
            return None
        if field == "credit_code":
            try:
                return normalize_credit_code(text)
            except InvalidValue:
                return None
        if field == "company_size":
            return text if text in ("micro", "small", "medium", "large") else None
        if self.lookups is not None:
            return self.lookups.industries.get(text) or self.lookups.industries.get(text.lower())
        return None

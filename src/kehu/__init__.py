"""Kehu (客户): an open-source CRM built around the life of a lead."""

__version__ = "0.1.0"

"""Shared API schema pieces: the error body, pagination, safe text and id types."""

from typing import Annotated, Generic, TypeVar

from ninja import Schema
from pydantic import AfterValidator, Field


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL; refusing it here keeps a fuzzed request from becoming a 500.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
OptionalId = Annotated[int | None, Field(default=None, ge=1, le=2**63 - 1)]
# Page numbers are bounded so that an offset always fits the database's integers.
PageNumber = Annotated[int, Field(ge=1, le=100_000)]
PageSize = Annotated[int, Field(ge=1, le=200)]


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    count: int
    page: int
    page_size: int

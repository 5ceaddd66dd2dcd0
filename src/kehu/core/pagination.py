from django.conf import settings
from django.db.models import QuerySet


def page_bounds(page: int | None, page_size: int | None) -> tuple[int, int]:
    page = max(int(page or 1), 1)
    size = min(max(int(page_size or settings.KEHU_PAGE_SIZE), 1), settings.KEHU_MAX_PAGE_SIZE)
    return page, size


def paginate(qs: QuerySet, page: int | None, page_size: int | None, rows=list) -> dict:
    """One page of ``qs`` with the total count; ``rows(sliced_qs)`` turns the page into items."""
    page, size = page_bounds(page, page_size)
    start = (page - 1) * size
    return {"items": rows(qs[start : start + size]), "count": qs.count(), "page": page, "page_size": size}

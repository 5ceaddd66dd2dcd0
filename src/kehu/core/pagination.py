from django.conf import settings
from django.db.models import QuerySet


def page_bounds(page: int | None, page_size: int | None) -> tuple[int, int]:
    page = max(int(page or 1), 1)
    size = min(max(int(page_size or settings.KEHU_PAGE_SIZE), 1), settings.KEHU_MAX_PAGE_SIZE)
    return page, size


def paginate(qs: QuerySet, page: int | None, page_size: int | None, rows=list) -> dict:
    """One page of ``qs`` with the total count; ``rows(sliced_qs)`` turns the page into items
    (one item per row).

    A page that is neither full nor empty is the last one, so the total is known without a
    COUNT query; a full page (or an empty one past the end) asks the database.
    """
    page, size = page_bounds(page, page_size)
    start = (page - 1) * size
    items = rows(qs[start : start + size])
    count = start + len(items) if 0 < len(items) < size or (start == 0 and not items) else qs.count()
    return {"items": items, "count": count, "page": page, "page_size": size}

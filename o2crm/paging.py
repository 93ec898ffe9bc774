"""Pages of a list, fast at any depth, and the links between them."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from . import summaries

PAGE_SIZE = 25

UNIQUE_LAST = {"pk", "-pk", "id", "-id"}


def page(request: HttpRequest, qs: QuerySet[Any], size: int = PAGE_SIZE) -> Page[Any]:
    """The page `?page=` names of `qs`, in two steps: the page's ids from the ordering's
    columns alone (an index walk), then those rows with their joins and prefetches. A page
    in the back half is counted from the end in the reverse order, so no page walks more
    than half the list. Ties are broken by id, so that the reverse order is exactly the
    mirror of the order and pages neither repeat nor skip a row (decision 0011)."""
    kept = summaries.count_of(qs)  # a whole list marked `summaries.counted`: from its cells
    order = list(qs.query.order_by or qs.model._meta.ordering)
    if not order or order[-1] not in UNIQUE_LAST:
        qs = qs.order_by(*order, "pk")
    ids_in_order = qs.values_list("pk", flat=True)
    paginator = Paginator(ids_in_order, size)
    if kept is not None:
        paginator.count = kept  # a cached property: the COUNT over the table is not run
    current = paginator.get_page(request.GET.get("page"))
    start, count = (current.number - 1) * size, paginator.count
    if start > count // 2:
        end = min(start + size, count)
        ids = list(ids_in_order.reverse()[count - end : count - start])[::-1]
    else:
        ids = list(current.object_list)
    current.object_list = in_order(qs, ids)
    return current


def in_order(qs: QuerySet[Any], ids: list[int]) -> list[Any]:
    """The rows of `qs` with these ids, in the order of `ids`: one query."""
    rows = qs.in_bulk(ids)
    return [rows[pk] for pk in ids]


def first(qs: QuerySet[Any], n: int) -> list[Any]:
    """The first `n` rows of `qs`, the ids picked first: PostgreSQL then keeps the n best of
    the sort's own columns instead of sorting every match with its joined rows
    (decision 0011)."""
    return in_order(qs, list(qs.values_list("pk", flat=True)[:n]))


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string prefix, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode() + "&" if params else ""

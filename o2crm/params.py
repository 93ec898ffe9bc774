"""Bounds on what an API query or body may ask for, so that a number past what the database
holds is refused as bad input (400, naming the parameter) instead of overflowing in SQL.

`RowId` is a primary or foreign key (64-bit, as every table's BigAutoField); `Pages` is
django-ninja's page-number pagination with the page itself bounded the same way, whose total
of a list marked `summaries.counted` comes from the summary (decision 0029)."""

from typing import Annotated, Any

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

from . import summaries

BIGINT_MAX = 2**63 - 1
# Far past the end of any list (a million pages of 200 rows), and (page - 1) × page size
# stays inside 64 bits.
MAX_PAGE = 10_000_000

RowId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]


class Pages(PageNumberPagination):
    class Input(Schema):
        page: PageNumber = 1
        page_size: Annotated[int, Field(ge=1, le=BIGINT_MAX)] | None = None

    def _items_count(self, queryset: Any) -> int:
        kept = summaries.count_of(queryset)
        return super()._items_count(queryset) if kept is None else kept


def total_kept(filters: Schema, qs: Any, summary: summaries.Summary, user: Any) -> Any:
    """`qs` with its page total from `summary` when no filter narrows it (every row of the
    summary the user may see), else as it is (a COUNT of what the filters leave)."""
    if any(value not in (None, False, "") for value in filters.model_dump().values()):
        return qs
    return summaries.counted(qs, summary.topic, user)

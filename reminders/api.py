"""Notifications in the JSON API: the signed-in user's own, newest first."""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from accounts.requests import ApiRequest
from o2crm.params import Pages, RowId

from . import notify

router = Router()


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationFilter(FilterSchema):
    unread: bool | None = None


@router.get("/notifications", response=list[NotificationOut], tags=["notifications"])
@paginate(Pages)
def list_notifications(request: ApiRequest, filters: Query[NotificationFilter]):
    qs = notify.inbox(request.user)
    if filters.unread is True:
        qs = qs.filter(read_at=None)
    elif filters.unread is False:
        qs = qs.exclude(read_at=None)
    return qs


@router.post(
    "/notifications/{notification_id}/read", response=NotificationOut, tags=["notifications"]
)
def read_notification(request: ApiRequest, notification_id: RowId):
    note = get_object_or_404(notify.inbox(request.user), pk=notification_id)
    notify.mark_read(user=request.user, ids=[note.pk])
    note.refresh_from_db()
    return note

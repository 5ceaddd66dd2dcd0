import datetime as dt

from ninja import Router, Schema

from kehu.accounts.scope import get_scoped, scoped
from kehu.core.pagination import paginate
from kehu.core.schemas import ErrorOut, Id, Page, PageNumber, PageSize

from . import services
from .models import Notification

router = Router(tags=["notifications"])
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class NotificationOut(Schema):
    id: int
    kind: str
    level: str
    text: str
    url: str
    data: dict
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def resolve_text(obj):
        return services.describe(obj)


class ReadOut(Schema):
    marked: int


@router.get("/notifications", response={200: Page[NotificationOut], **ERRORS})
def list_notifications(request, unread: bool = False, page: PageNumber = 1, page_size: PageSize = 50):
    qs = scoped(request.user, Notification)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return paginate(qs, page, page_size)


@router.post("/notifications/{notification_id}/read", response={200: ReadOut, **ERRORS})
def read_notification(request, notification_id: Id):
    notification = get_scoped(request.user, Notification, pk=notification_id)
    return {"marked": services.mark_read(request.user, [notification.pk])}


@router.post("/notifications/read-all", response={200: ReadOut, **ERRORS})
def read_all(request):
    return {"marked": services.mark_read(request.user)}

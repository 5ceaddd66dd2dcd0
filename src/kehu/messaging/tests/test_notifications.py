import pytest
from django.db import transaction

from kehu.messaging import services
from kehu.messaging.models import Notification

services.register_kind("test_kind", "Test", "Lead %(lead)s for you")


def test_notify_stores_once_per_dedupe_key_and_renders_in_the_readers_language(org):
    services.notify([org.sales_a1, org.sales_a2], "test_kind", data={"lead": "张三"}, dedupe_key="lead-1")
    services.notify([org.sales_a1], "test_kind", data={"lead": "张三"}, dedupe_key="lead-1")
    assert Notification.objects.filter(recipient=org.sales_a1).count() == 1
    assert services.describe(Notification.objects.filter(recipient=org.sales_a1).get()) == "Lead 张三 for you"


def test_unknown_kind_is_a_programming_error(org):
    with pytest.raises(ValueError):
        services.notify([org.sales_a1], "nope")


@pytest.mark.django_db(transaction=True)
def test_channels_run_after_commit_and_not_after_rollback(org):
    delivered = []
    services.register_channel(delivered.extend)
    try:
        with transaction.atomic():
            services.notify([org.sales_a1], "message", data={"text": "a"})
            assert delivered == []
        assert len(delivered) == 1
        with pytest.raises(RuntimeError), transaction.atomic():
            services.notify([org.sales_a1], "message", data={"text": "b"})
            raise RuntimeError
        assert len(delivered) == 1
    finally:
        services.CHANNELS.remove(delivered.extend)


@pytest.mark.django_db(transaction=True)
def test_notify_many_stores_each_notice_and_hands_them_to_the_channels_once(org):
    from kehu.core import clock

    now = clock.now()
    delivered = []
    services.register_channel(lambda notices: delivered.append(sorted(n.recipient_id for n in notices)))
    handed = services.CHANNELS[-1]
    try:
        with transaction.atomic():
            services.notify_many(
                [
                    (org.sales_a1.pk, "test_kind", "normal", {"lead": "张三"}, "/leads/1/", now),
                    (org.sales_a2.pk, "test_kind", "strong", {"lead": "李四"}, "/leads/2/", now),
                ]
            )
            assert delivered == []
        assert delivered == [sorted([org.sales_a1.pk, org.sales_a2.pk])]  # one hand-over for the batch
    finally:
        services.CHANNELS.remove(handed)
    mine = Notification.objects.get(recipient=org.sales_a2)
    assert (mine.level, mine.url, services.describe(mine)) == ("strong", "/leads/2/", "Lead 李四 for you")
    services.notify_many([(org.sales_b.pk, "test_kind", "normal", {"lead": "王五"}, "", now)])  # no channel
    assert Notification.objects.get(recipient=org.sales_b).data == {"lead": "王五"}
    with pytest.raises(ValueError):
        services.notify_many([(org.sales_b.pk, "nope", "normal", {}, "", now)])


def test_inbox_is_private_by_every_path(org, api, web):
    mine = services.notify([org.sales_a1], "message", data={"text": "只给我"})[0]
    theirs = services.notify([org.sales_a2], "message", data={"text": "别人的"})[0]
    client = api(org.sales_a1)
    texts = [n["text"] for n in client.get("/notifications").json()["items"]]
    assert texts == ["只给我"]
    assert client.post(f"/notifications/{theirs.pk}/read").status_code == 404
    # Even an administrator's "all" scope does not open someone else's inbox.
    assert api(org.admin).get("/notifications").json()["count"] == 0
    page = web(org.sales_a1).get("/messaging/").content.decode()
    assert "只给我" in page and "别人的" not in page
    assert web(org.sales_a1).post(f"/messaging/{theirs.pk}/open/").status_code == 404
    response = web(org.sales_a1).post(f"/messaging/{mine.pk}/open/")
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_unread_count_in_the_top_bar(org, web):
    services.notify([org.sales_a1], "message", data={"text": "x"})
    html = web(org.sales_a1).get("/customers/").content.decode()
    assert '<span class="count">1</span>' in html
    web(org.sales_a1).post("/messaging/read-all/")
    assert '<span class="count">' not in web(org.sales_a1).get("/customers/").content.decode()

"""core.bulk: instances built without Model.__init__ behave like ordinary ones."""

import gc
import weakref

import pytest
from django.db.models.signals import post_init

from kehu.core import bulk, clock
from kehu.core.models import Region
from kehu.leads.models import Channel, Lead


@pytest.mark.django_db
def test_factory_builds_the_same_instance_as_the_model():
    channel = Channel.objects.filter(parent__isnull=False).first() or Channel.objects.create(
        code="t", name="t"
    )
    region = Region.objects.filter(level=1).first()
    now = clock.now()
    values = {"channel": channel, "name": "王伟", "phone": "13812345678", "province": region}
    values.update(grade="A", score=80, created_at=now, updated_at=now)
    made, plain = bulk.Factory(Lead)(**values), Lead(**values)
    for field in Lead._meta.concrete_fields:
        assert getattr(made, field.attname) == getattr(plain, field.attname) or field.attname == "extra"
    assert made.extra == {} and made.extra is not bulk.Factory(Lead)().extra  # a new dict each time
    assert made.channel is channel and made.province is region  # cached, no query
    assert made._state.adding and made.pk is None
    made.save()
    stored = Lead.objects.get(pk=made.pk)
    assert stored.name == "王伟" and stored.channel_id == channel.pk
    with pytest.raises(TypeError):
        bulk.Factory(Lead)(nonsense=1)


def test_factory_goes_through_init_when_someone_listens_to_it():
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(listener, sender=Region)
    try:
        region = bulk.Factory(Region)(name="杭州市", level=2)
    finally:
        post_init.disconnect(listener, sender=Region)
    assert seen == [region] and region.name == "杭州市"


def test_bulk_job_collects_between_chunks_and_restores_the_collector():
    class Node:
        def __init__(self):
            self.me = self  # a cycle: only the collector frees it

    assert gc.isenabled()
    with bulk.bulk_job():
        assert not gc.isenabled() and gc.get_freeze_count() > 0
        garbage = weakref.ref(Node())
        kept = [[] for _ in range(50_000)]  # past any allocation threshold: no collection by itself
        assert garbage() is not None
        del kept
        bulk.chunk_done()  # the chunk's garbage cycle is collected here
        assert garbage() is None
    assert gc.isenabled() and gc.get_freeze_count() == 0
    count = gc.get_count()
    bulk.chunk_done()  # outside a job: nothing
    assert gc.get_count() == count


def _index_names(table: str) -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name for name, info in constraints.items() if info["index"]}


@pytest.mark.django_db
def test_indexes_deferred_rebuilds_them_and_a_failed_load_leaves_everything_as_it_was():
    from django.db import connection

    table = Region._meta.db_table
    before, regions = _index_names(table), Region.objects.count()
    assert before
    with bulk.indexes_deferred() as defer:
        defer(Region)
        if connection.vendor == "sqlite":
            assert _index_names(table) < before  # its own indexes are dropped while the load runs
        Region.objects.create(code="999991", name="测试区", level=3)
    assert _index_names(table) == before and Region.objects.count() == regions + 1

    with pytest.raises(ZeroDivisionError), bulk.indexes_deferred() as defer:
        defer(Region)
        Region.objects.create(code="999992", name="测试区二", level=3)
        1 / 0  # noqa: B018 - the load fails half-way
    assert _index_names(table) == before and Region.objects.count() == regions + 1


@pytest.mark.django_db
def test_allocated_ids_are_new_and_never_handed_out_again():
    """insert_objects takes its ids from allocate_ids; a normal save afterwards (the
    database's own default) and a second allocation must not collide with them."""
    from kehu.core.models import Industry

    parent = Industry.objects.create(code="bulkparent", name="上级")
    first = bulk.insert_objects([Industry(code=f"bulk{i}", name=f"行业{i}", parent=parent) for i in range(3)])
    ids = [obj.pk for obj in first]
    assert len(set(ids)) == 3 and ids == sorted(ids)
    saved = Industry.objects.create(code="saved", name="保存")
    again = bulk.allocate_ids(Industry, 2)
    assert saved.pk not in ids and not set(again) & {*ids, saved.pk}
    assert set(Industry.objects.filter(pk__in=ids).values_list("code", "parent_id")) == {
        ("bulk0", parent.pk),
        ("bulk1", parent.pk),
        ("bulk2", parent.pk),
    }


def test_json_values_are_written_as_json_dumps_writes_them():
    import json

    for value in ({}, [], {"名": "值"}, [1, 2], None, 0, "", "x"):
        assert bulk._to_json(value) == json.dumps(value, ensure_ascii=False)


@pytest.mark.django_db(transaction=True)
def test_ids_allocated_before_the_insert_are_kept():
    """Intake takes lead ids first (routing writes rows that point at them), then inserts:
    both inserters keep the given ids, and a list mixing given and missing ids is refused."""
    from django.db import transaction

    from kehu.core.models import Industry
    from kehu.leads.services.rows import insert

    with transaction.atomic():
        objs = [Industry(code=f"pre{i}", name=f"行业{i}") for i in range(4)]
        for obj, pk in zip(objs, bulk.allocate_ids(Industry, 4), strict=True):
            obj.pk = pk
        given = [obj.pk for obj in objs]
        bulk.insert_objects(objs[:2])
        insert(Industry, objs[2:])
    assert dict(Industry.objects.filter(code__startswith="pre").values_list("code", "pk")) == {
        f"pre{i}": pk for i, pk in enumerate(given)
    }
    assert Industry.objects.create(code="after", name="之后").pk > max(given)
    mixed = [Industry(pk=max(given) + 100, code="m1", name="甲"), Industry(code="m2", name="乙")]
    for inserter in (bulk.insert_objects, lambda objs: insert(Industry, objs)):
        with pytest.raises(ValueError), transaction.atomic():
            inserter(mixed)

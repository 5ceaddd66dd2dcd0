"""core.reference.names: the per-process copy of region and industry names."""

import pytest

from kehu.core import reference
from kehu.core.models import Region


@pytest.mark.django_db
def test_names_follow_saves_and_rows_added_elsewhere():
    province = Region.objects.filter(level=1).first()
    assert reference.names(Region)[province.pk][0] == province.name
    province.name_en = "Renamed"
    province.save()  # a save here clears the copy
    assert reference.names(Region)[province.pk][1] == "Renamed"
    # A row written without signals (another process): asking for its id reloads the copy.
    Region.objects.bulk_create([Region(code="999999", name="新区", level=3, parent=province)])
    added = Region.objects.get(code="999999")
    assert reference.names(Region, {added.pk})[added.pk][0] == "新区"

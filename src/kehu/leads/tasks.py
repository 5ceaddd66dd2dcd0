from huey.contrib.djhuey import db_task

from .services.grading import regrade_all


@db_task()
def regrade_leads() -> int:
    """After grading rules or thresholds change: new scores and grades for every live lead."""
    return regrade_all()


@db_task()
def import_file(run_id: int, actor_id: int | None, language: str | None = None) -> None:
    """A lead import started in the UI (see ``imports.queue_import``)."""
    from django.conf import settings
    from django.utils import translation

    from kehu.accounts.models import User
    from kehu.core import audit

    from .models import ImportRun
    from .services import imports

    run = ImportRun.objects.filter(pk=run_id).select_related("channel").first()
    if run is None:
        return
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with audit.source("import"), translation.override(language or settings.LANGUAGE_CODE):
        imports.run_or_fail(run, actor)

from huey.contrib.djhuey import db_task

from .services.grading import regrade_all


@db_task()
def regrade_leads() -> int:
    """After grading rules or thresholds change: new scores and grades for every live lead."""
    return regrade_all()

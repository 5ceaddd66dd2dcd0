"""What roles may do with leads beyond reading them in their scope."""

from django.utils.translation import gettext_lazy as _

from kehu.accounts import roles
from kehu.accounts.capabilities import register

IMPORT_LEADS = register("import_leads", _("Import lead lists"))
MERGE_LEADS = register("merge_leads", _("Review and merge duplicate leads"))
MANAGE_LEADS = register("manage_leads", _("Configure channels, grading, capture forms and enrichment"))

roles.grant_by_default("sales_manager", IMPORT_LEADS, MERGE_LEADS)
roles.grant_by_default("marketer", IMPORT_LEADS, MERGE_LEADS, MANAGE_LEADS)

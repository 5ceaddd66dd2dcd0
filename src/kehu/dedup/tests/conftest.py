"""Let the engine tests run before the Django skeleton (kehu.test_settings) exists.

Reason texts are translated lazily through Django; rendering them needs configured settings
and a ready app registry. When the project's test settings exist, or DJANGO_SETTINGS_MODULE
is already set (pytest-django), this does nothing.
"""

import importlib.util
import os


def _has_test_settings() -> bool:
    try:
        return importlib.util.find_spec("kehu.test_settings") is not None
    except ModuleNotFoundError:
        return False


if not os.environ.get("DJANGO_SETTINGS_MODULE") and not _has_test_settings():
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=True, LANGUAGE_CODE="en")
        django.setup()

from django.conf import settings

from . import nav


def kehu(request):
    user = getattr(request, "user", None)
    section = request.path.strip("/").split("/", 1)[0]
    return {
        "KEHU_DEBUG": settings.DEBUG,
        "nav_items": nav.for_user(user) if user is not None else [],
        "nav_section": section,
    }

def unread(request):
    """The unread count beside the bell in the top bar (one indexed COUNT per page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "htmx", False):
        return {}
    from .services import unread_count

    return {"unread_notifications": unread_count(user)}

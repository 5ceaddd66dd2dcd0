from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "kehu.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        from django.db.models import Q

        from kehu.accounts import scope

        from .models import Notification

        # A notification is private to its recipient, whatever the role's data scope.
        scope.register(Notification, lambda user, ids: Q(recipient=user))

        from . import channels, services

        # E-mail, SMS and IM robots, per the configured delivery channels.
        services.register_channel(channels.dispatch)

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kehu.accounts"
    label = "accounts"
    verbose_name = _("Organisation and access")

    def ready(self):
        from .roles import ensure_builtin_roles

        post_migrate.connect(ensure_builtin_roles, sender=self, dispatch_uid="kehu.accounts.roles")
        from django.db.models.signals import post_delete, post_save

        from .models import Department
        from .scope import forget_departments

        post_save.connect(forget_departments, sender=Department, dispatch_uid="kehu.accounts.tree.save")
        post_delete.connect(forget_departments, sender=Department, dispatch_uid="kehu.accounts.tree.delete")
        from django.db.models.signals import m2m_changed

        from .models import Role, Team, User
        from .scope import forget_scopes

        # Whatever a scope condition is made of, besides the viewer's own key (see scoped()).
        # A person's change may move them between departments: members and scopes both go.
        for model, forget in ((User, forget_departments), (Role, forget_scopes), (Team, forget_scopes)):
            uid = f"kehu.accounts.scopes.{model.__name__}"
            post_save.connect(forget, sender=model, dispatch_uid=uid)
            post_delete.connect(forget, sender=model, dispatch_uid=uid + ".delete")
        teams = User.teams.through
        m2m_changed.connect(forget_scopes, sender=teams, dispatch_uid="kehu.accounts.scopes.teams")

import getpass

from django.core.management.base import BaseCommand, CommandError

from kehu.accounts.models import Role, User


class Command(BaseCommand):
    help = "Create (or reset the password of) an administrator."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", help="prompted for when omitted")
        parser.add_argument("--email", default="")
        parser.add_argument("--name", default="")

    def handle(self, *args, username, password, email, name, **options):
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Again: "):
                raise CommandError("The passwords differ.")
        if len(password) < 8:
            raise CommandError("Use at least 8 characters.")
        user, created = User.objects.get_or_create(username=username)
        user.email, user.name = email or user.email, name or user.name or username
        user.is_staff = user.is_superuser = True
        user.role = Role.objects.filter(code="admin").first()
        user.set_password(password)
        user.save()
        self.stdout.write(f"{'Created' if created else 'Updated'} administrator {username}.")

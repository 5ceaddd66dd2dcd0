"""The ``kehu`` command: Django management commands under short names.

``kehu serve``, ``kehu worker``, ``kehu migrate``, ``kehu createadmin``,
``kehu demo-data``, ``kehu token USERNAME``; two-word commands such as
``kehu leads import FILE`` map to ``leads_import``. Any other Django command works too.
"""

import os
import sys

ALIASES = {"worker": "run_huey", "demo-data": "demo_data", "serve": "serve"}


def resolve(argv: list[str], available) -> list[str]:
    if not argv:
        return ["help"]
    name, rest = ALIASES.get(argv[0], argv[0].replace("-", "_")), argv[1:]
    if rest and not rest[0].startswith("-"):
        joined = f"{name}_{rest[0].replace('-', '_')}"
        if joined in available:
            name, rest = joined, rest[1:]
    return [name, *rest]


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    argv = list(sys.argv[1:] if argv is None else argv)
    import django
    from django.core.management import execute_from_command_line, get_commands

    django.setup()
    execute_from_command_line(["kehu", *resolve(argv, get_commands())])


if __name__ == "__main__":
    main()

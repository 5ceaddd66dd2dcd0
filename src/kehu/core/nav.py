"""Top navigation, contributed by each app in its AppConfig.ready()."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    order: int
    url_name: str
    label: object
    section: str  # matched against the first path segment to highlight the current section
    capability: str = ""  # shown only to users with this capability ("" = everyone)


ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in ITEMS):
        ITEMS.append(item)
        ITEMS.sort(key=lambda i: i.order)


def for_user(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in ITEMS if not item.capability or user.can(item.capability)]

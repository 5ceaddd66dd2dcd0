"""A small iCalendar (RFC 5545) writer for the per-person appointment feed.

Hand-written on purpose: the feed needs one VCALENDAR of VEVENTs, and the only subtle parts
are escaping, UTC timestamps and folding lines at 75 octets.
"""

import datetime as dt

from django.conf import settings

PRODID = "-//Kehu CRM//Appointments//EN"


def escape(text: str) -> str:
    return (
        (text or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets without cutting a UTF-8 character."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current, size, limit = [], [], 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def calendar(name: str, events: list[dict], now: dt.datetime) -> str:
    """events: dicts with uid, start, end, summary, and optional location, description, status,
    sequence, updated."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        f"X-WR-TIMEZONE:{settings.TIME_ZONE}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event['uid']}",
            f"DTSTAMP:{utc(event.get('updated') or now)}",
            f"DTSTART:{utc(event['start'])}",
            f"DTEND:{utc(event['end'])}",
            f"SUMMARY:{escape(event['summary'])}",
        ]
        if event.get("location"):
            lines.append(f"LOCATION:{escape(event['location'])}")
        if event.get("description"):
            lines.append(f"DESCRIPTION:{escape(event['description'])}")
        lines.append(f"STATUS:{event.get('status', 'CONFIRMED')}")
        lines.append(f"SEQUENCE:{int(event.get('sequence') or 0)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)

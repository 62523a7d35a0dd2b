"""The floor: the benchmark's page fetched with hand-written SQL, encoded with orjson,
served by a bare WSGI callable (no Django request handling, no DRF).

Shared by the in-process measurement (``floor_page``) and the HTTP one (gunicorn
serves ``application``). It shows what the database and the encoding cost alone.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs

import django
import orjson

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402

PAGE_SQL = """
SELECT e.id, e.dataset, e.external_id, e.title, e.summary, t.code, t.label,
       e.start_date, e.end_date, e.date_precision, e.ongoing, e.certainty,
       l.id, l.name, l.kind, l.country_code, l.admin1, l.latitude, l.longitude,
       l.coordinate_precision, e.created_at, e.updated_at
FROM timeline_event e
JOIN timeline_eventtype t ON t.id = e.event_type_id
LEFT JOIN timeline_location l ON l.id = e.location_id
WHERE e.country_code = %s AND e.start_date <= %s AND (e.end_date >= %s OR e.ongoing)
ORDER BY e.start_date DESC, e.id DESC
LIMIT %s
"""
ACTORS_SQL = """
SELECT ea.event_id, a.id, a.name, a.kind, a.country_code, ea.role
FROM timeline_eventactor ea JOIN timeline_actor a ON a.id = ea.actor_id
WHERE ea.event_id IN ({}) ORDER BY ea.id
"""


def floor_page(country: str, year: int, page_size: int = 50) -> bytes:
    """The page: events of one country overlapping one year, newest first, with their
    location and actors nested (two queries), as JSON bytes."""
    with connection.cursor() as cursor:
        cursor.execute(PAGE_SQL, [country, f"{year}-12-31", f"{year}-01-01", page_size + 1])
        rows = cursor.fetchall()[:page_size]
        ids = [row[0] for row in rows]
        actors: dict[int, list[dict[str, Any]]] = {}
        if ids:
            cursor.execute(ACTORS_SQL.format(", ".join(["%s"] * len(ids))), ids)
            for event_id, actor_id, name, kind, country_code, role in cursor.fetchall():
                actors.setdefault(event_id, []).append(
                    {
                        "id": actor_id,
                        "name": name,
                        "kind": kind,
                        "country_code": country_code,
                        "role": role,
                    }
                )
    results = [
        {
            "id": row[0],
            "dataset": row[1],
            "external_id": row[2],
            "title": row[3],
            "summary": row[4],
            "event_type": {"code": row[5], "label": row[6]},
            "start_date": row[7],
            "end_date": row[8],
            "date_precision": row[9],
            "ongoing": bool(row[10]),
            "certainty": row[11],
            "location": None
            if row[12] is None
            else {
                "id": row[12],
                "name": row[13],
                "kind": row[14],
                "country_code": row[15],
                "admin1": row[16],
                "latitude": row[17],
                "longitude": row[18],
                "coordinate_precision": row[19],
            },
            "actors": actors.get(row[0], []),
            "created_at": row[20],
            "updated_at": row[21],
        }
        for row in rows
    ]
    return orjson.dumps({"results": results}, option=orjson.OPT_UTC_Z)


def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    body = floor_page(query["country"][0], int(query["year"][0]))
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]

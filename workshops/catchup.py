"""How a client catches up: `sync` (the events since a revision) and `snapshot` (the whole
board), as frames no longer than FRAME_LIMIT (docs/protocol.md, "sync and snapshot").

Daphne's message size limit (--websocket-max-message-size, 512 KiB where we start daphne)
applies to what it sends as well as to what it receives: a frame over it closed the socket with
1011, and the reconnect's sync hit the same wall forever. So a long sync is cut (`more`: ask
again since its last revision) and a board too big for a frame is loaded over HTTP (`url`).
Run in a database thread by the consumer.
"""

from __future__ import annotations

import json
from functools import cache

from django.urls import reverse

from journeymap.realtime import to_wire
from maps import rows
from maps.models import JourneyMap, MapEvent
from maps.serializers import map_snapshot

# The longest frame the server sends (characters of ASCII JSON: bytes).
FRAME_LIMIT = 256 * 1024
# A client further behind than this gets a snapshot instead of the events it missed.
SYNC_EVENT_LIMIT = 500


def snapshot_frame(journey_map: JourneyMap, workshop_id: int) -> str:
    """The whole board now, or where to load it when it is too big for a frame."""
    text = to_wire({"type": "snapshot", "snapshot": map_snapshot(journey_map)})
    if len(text) <= FRAME_LIMIT:
        return text
    url = reverse("workshop_snapshot", args=[workshop_id])
    return to_wire({"type": "snapshot", "url": url, "revision": journey_map.revision})


def sync_frame(map_id: int, since: int, workshop_id: int) -> str:
    """`sync`: the events after `since`, as many as fit in a frame (`more` says there are
    others); a snapshot when too far behind, ahead (a restored database) or when one event
    alone is over the limit.

    Written out (maps.rows): on a busy server the clients a little behind ask often (a gap
    waits 0.8 s, then syncs), and the ORM's reading of whole events, `before` and all, cost
    more than the rest of the sync."""
    revision = revision_of(map_id)
    if since == revision:
        # Up to date: the answer to nearly every heartbeat, without reading the map or its log.
        return up_to_date_frame(since)
    if revision is None:
        raise JourneyMap.DoesNotExist(f"map {map_id}")
    if since > revision:
        return snapshot_frame(JourneyMap.objects.get(pk=map_id), workshop_id)
    with rows.cursor() as cursor:
        cursor.execute(_events_sql(), [map_id, since, SYNC_EVENT_LIMIT + 1])
        found = cursor.fetchall()
    if len(found) > SYNC_EVENT_LIMIT:
        return snapshot_frame(JourneyMap.objects.get(pk=map_id), workshop_id)
    texts: list[str] = []
    room = FRAME_LIMIT - 200  # the envelope around the events
    for row in found:
        text = event_text(map_id, *row)
        if len(text) > room:
            break
        texts.append(text)
        room -= len(text) + 1
    if found and not texts:
        return snapshot_frame(JourneyMap.objects.get(pk=map_id), workshop_id)
    last = found[len(texts) - 1][0] if texts else since
    more = "true" if len(texts) < len(found) else "false"
    return (
        f'{{"type":"sync","since":{since},"revision":{last},"more":{more},"events":['
        + ",".join(texts)
        + "]}"
    )


def event_text(
    map_id: int, revision: int, kind: str, payload: str, actor: str, op_id: str | None
) -> str:
    """MapEvent.as_message as the wire carries it, from a row of _events_sql: the payload is
    the JSON the database holds, spliced in, not decoded and encoded again."""
    return (
        f'{{"type":"event","event":{json.dumps(kind)},"map":{map_id},"revision":{revision},'
        f'"payload":{payload},"actor":{json.dumps(actor)},"op_id":{json.dumps(op_id)}}}'
    )


@cache
def _events_sql() -> str:
    fields = ("revision", "type", "payload", "actor_name", "op_id")
    names = ", ".join(rows.column(MapEvent, field) for field in fields)
    revision = rows.column(MapEvent, "revision")
    return (
        f"SELECT {names} FROM {rows.table(MapEvent)} "  # noqa: S608 (our own names)
        f"WHERE {rows.column(MapEvent, 'map')} = %s AND {revision} > %s "
        f"ORDER BY {revision} LIMIT %s"
    )


def up_to_date_frame(since: int) -> str:
    return f'{{"type":"sync","since":{since},"revision":{since},"more":false,"events":[]}}'


def revision_of(map_id: int) -> int | None:
    """The map's revision, in one small query (the ORM's cost more than the heartbeat's other
    work together); None for a map that is gone."""
    with rows.cursor() as cursor:
        cursor.execute(_REVISION_SQL, [map_id])
        row = cursor.fetchone()
    return None if row is None else row[0]


_REVISION_SQL = "SELECT {} FROM {} WHERE {} = %s".format(  # noqa: S608 (our own names)
    JourneyMap._meta.get_field("revision").column,
    JourneyMap._meta.db_table,
    JourneyMap._meta.pk.column,
)

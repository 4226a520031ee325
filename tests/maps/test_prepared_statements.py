"""On PostgreSQL the live room's hottest statements are prepared once per connection
(maps.rows.cursor): planning them cost the database more CPU than running them."""

from __future__ import annotations

import pytest
from django.db import connection

from maps import operations as ops
from tests.conftest import require_postgres

pytestmark = pytest.mark.django_db


def prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_note_move_s_statements_are_prepared_on_its_connection(actor, journey_map):
    require_postgres()
    stages = list(journey_map.stages.values_list("pk", flat=True))
    added = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Moved")
    ops.move_touchpoint(
        actor, journey_map, added.payload["touchpoint"]["id"], stage=stages[1], index=0
    )
    statements = prepared()
    assert any("UNION ALL" in s for s in statements), statements  # the note and its stage's keys
    assert any(s.startswith("WITH alongside AS (UPDATE") for s in statements), statements
    assert any("RETURNING" in s and "revision + 1" in s for s in statements), statements


def test_django_s_own_queries_are_not_prepared(actor, journey_map):
    require_postgres()
    list(journey_map.stages.all())
    assert not any("maps_stage" in s and "ORDER BY" in s for s in prepared())

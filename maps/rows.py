"""Hand-written queries for the live room's hottest paths, with the ORM's own conversions.

A note move runs on the map's lock and on the server's one GIL beside every delivery of every
room, and the ORM spent more CPU building its five statements than the database spent running
them (bench/capacity.py's profile). The statements that run for every move, heartbeat and gate
check are written out once here; their values still go through the converters and adapters the
ORM applies, so the rows and instances are the ORM's own (DateTimeFields aware, JSON decoded).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def cursor() -> Any:
    """A cursor for these statements. On PostgreSQL each is prepared on its first run on a
    connection and only executed after that: planning the gate's three-table join or the
    move's read cost PostgreSQL more CPU than running them (bench/operation_cost.py,
    "database CPU"). Django's own cursors never prepare (it keeps connection poolers working);
    settings.PG_PREPARED_STATEMENTS turns this off for a pooler that cannot keep them."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_prepared_cursor_class()(connection.connection))


@cache
def _prepared_cursor_class() -> type:
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        """Parameters bound by the server, the statement prepared (psycopg needs the
        connection's prepare_threshold set: settings.database_settings)."""

        def execute(self, query: Any, params: Any = None, *, prepare: bool = True, **more: Any):
            return super().execute(query, params, prepare=prepare, **more)

    return PreparedCursor


# The largest id a row can have (a 64-bit signed column). A client may send a larger integer:
# the ORM finds no row for it, where a written-out statement on SQLite raised OverflowError.
MAX_ID = 2**63 - 1


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[Model]) -> str:
    return quote(model._meta.db_table)


def column(model: type[Model], field: str) -> str:
    return quote(model._meta.get_field(field).column)


def columns(model: type[Model], alias: str | None = None) -> str:
    """Every concrete column of `model`, in field order (what `instance` takes)."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{quote(f.column)}" for f in model._meta.concrete_fields)


def instance(model: type[M], values: Iterable[Any]) -> M:
    """A model instance from a row of `columns(model)`, converted as the ORM would."""
    converted = []
    for (col, converters), value in zip(_converters(model), values, strict=True):
        for convert in converters:
            value = convert(value, col, connection)
        converted.append(value)
    return model.from_db(
        connection.alias, [f.attname for f in model._meta.concrete_fields], converted
    )


def insert(obj: Model, alongside: tuple[str, list[Any]] | None = None) -> None:
    """INSERT `obj` (all its concrete fields but an auto primary key) and set its key, as
    obj.save() would, but without the ORM's compiler. Defaults and auto_now(_add) apply; no
    signals are sent (nothing here listens to them).

    `alongside`: a statement (an UPDATE, its parameters) to run with it. On PostgreSQL both go
    as one statement (a WITH), one round trip and one parse fewer: each cost the database more
    CPU than the work itself (bench/operation_cost.py, "database CPU"). Elsewhere it runs just
    before the INSERT."""
    meta = obj._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
    names = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {table(type(obj))} ({names}) VALUES ({marks}) "  # noqa: S608 (our names)
        f"RETURNING {quote(meta.pk.column)}"
    )
    with cursor() as cur:
        if alongside is not None and connection.vendor == "postgresql":
            sql, values = f"WITH alongside AS ({alongside[0]}) {sql}", [*alongside[1], *values]
        elif alongside is not None:
            cur.execute(*alongside)
        cur.execute(sql, values)
        obj.pk = cur.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias


def prepared(model: type[Model], field: str, value: Any) -> Any:
    """`value` as the database takes it for `field` (a datetime, JSON, …)."""
    target: Field = model._meta.get_field(field)  # type: ignore[assignment]
    return target.get_db_prep_save(value, connection)


def _converters(model: type[Model]) -> list[tuple[Any, list[Any]]]:
    """Each column of `model` and the converters the ORM applies to its values, worked out
    once per database connection: asking for them on every call was a third of the cost of
    a member's standing, which every heartbeat checks (bench/capacity.py). Kept per
    connection wrapper (one per thread): converters are bound to its operations."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    known = _CONVERTERS.setdefault(wrapper, {})
    if model not in known:
        known[model] = [
            (col, wrapper.ops.get_db_converters(col) + col.get_db_converters(wrapper))
            for col in (f.get_col(model._meta.db_table) for f in model._meta.concrete_fields)
        ]
    return known[model]


_CONVERTERS: weakref.WeakKeyDictionary[Any, dict[type[Model], list[tuple[Any, list[Any]]]]] = (
    weakref.WeakKeyDictionary()
)

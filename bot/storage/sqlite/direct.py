"""Statements made for every turn, run straight on sqlite3 from a plan made once.

SQLAlchemy Core spends about 20 µs of CPU on each execution before and after the driver's own
15 (a cache key walked out of the statement, an execution context, the parameters built, a
cursor result): a tenth of a turn's CPU over a turn's ten statements. A statement that is run
again and again (the repositories build theirs once, with parameters) gets a plan the second
time it is seen: SQLAlchemy compiles it for SQLite once, with its bound values and type
processors, and each later run is the driver call, those processors, and a result of
SQLAlchemy's own rows (``IteratorResult``) with the cursor's row count and the new key.

Whatever the plan does not cover goes through SQLAlchemy as before, and so does every call while
something listens for cursor executions (tests, the digest's query plans): a statement whose
parameters are expanded or written into the SQL, Python-side column defaults, bind names that
need escaping, a missing parameter (SQLAlchemy's own error then), duplicate result names. A
driver error is raised as SQLAlchemy raises it (``sqlalchemy.exc.DBAPIError.instance``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Executable, Select, exc
from sqlalchemy.engine import IteratorResult
from sqlalchemy.engine.cursor import _NO_RESULT_METADATA
from sqlalchemy.engine.result import SimpleResultMetaData
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert

MOST_PLANS = 512
"""Plans kept at most; statements beyond these go through SQLAlchemy."""
MOST_SEEN = 4096
"""Statements remembered as seen once, before the memory of them starts afresh."""
_UNPLANNED = object()
"""A statement that is planned not to be planned."""
Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


class DirectResult(IteratorResult[Any]):
    """SQLAlchemy's rows, with what a cursor result tells besides: rows changed, new key."""

    rowcount: int
    inserted_primary_key: tuple[Any, ...] | None


@dataclass(frozen=True)
class Plan:
    """One statement compiled for SQLite: its SQL, how to bind each ``?``, how to read rows."""

    statement: Executable
    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]
    binders: Mapping[str, Callable[[Any], Any]]
    rows: SimpleResultMetaData | None
    key: tuple[str, ...]
    """The primary key's columns of an INSERT without RETURNING: from the values, or a single
    one from the cursor's lastrowid."""

    def arguments(self, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The driver's arguments, in order; None when a parameter is missing."""
        out = []
        for name in self.names:
            if name in values:
                value = values[name]
            elif name in self.defaults:
                value = self.defaults[name]
            else:
                return None
            binder = self.binders.get(name)
            out.append(binder(value) if binder is not None else value)
        return tuple(out)


class DirectStatements:
    """The plans of one database's statements, and the runs through them."""

    def __init__(self) -> None:
        self._plans: dict[tuple[int, tuple[str, ...], bool], tuple[Executable, object]] = {}
        self._seen: set[tuple[int, tuple[str, ...], bool]] = set()

    def run(
        self, connection: Connection, statement: Executable, parameters: Parameters
    ) -> CursorResult[Any] | None:
        """Run ``statement`` through its plan; None when SQLAlchemy is to run it."""
        sets: Sequence[Mapping[str, Any]]
        if parameters is None:
            sets, many = [{}], False
        elif isinstance(parameters, Mapping):
            sets, many = [parameters], False
        else:
            sets, many = parameters, True
        if not sets or connection.dispatch.before_cursor_execute:
            return None
        plan = self._plan(connection, statement, tuple(sorted(sets[0])), many)
        if plan is None:
            return None
        arguments = [plan.arguments(values) for values in sets]
        if any(a is None for a in arguments):
            return None
        driver = connection.connection.driver_connection
        assert driver is not None
        try:
            cursor = driver.cursor()
            if many:
                cursor.executemany(plan.sql, arguments)
            else:
                cursor.execute(plan.sql, arguments[0])
            fetched = cursor.fetchall() if plan.rows is not None else []
        except sqlite3.Error as error:
            raise exc.DBAPIError.instance(
                plan.sql, arguments, error, sqlite3.Error, dialect=connection.dialect
            ) from error
        result = DirectResult(plan.rows or _NO_RESULT_METADATA, iter(fetched))
        result.rowcount = cursor.rowcount
        result.inserted_primary_key = None
        if plan.key and not many:
            lastrowid = cursor.lastrowid if len(plan.key) == 1 else None
            result.inserted_primary_key = tuple(sets[0].get(k, lastrowid) for k in plan.key)
        cursor.close()
        if plan.rows is None:
            result._soft_close(hard=True)  # asked for rows, it raises as SQLAlchemy's does
        return cast(CursorResult[Any], result)

    def _plan(
        self, connection: Connection, statement: Executable, keys: tuple[str, ...], many: bool
    ) -> Plan | None:
        slot = (id(statement), keys, many)
        found = self._plans.get(slot)
        if found is not None and found[0] is statement:
            return found[1] if isinstance(found[1], Plan) else None
        if slot not in self._seen or len(self._plans) >= MOST_PLANS:
            # Seen once: most likely a statement built for this call alone.
            if len(self._seen) >= MOST_SEEN:
                self._seen.clear()
            self._seen.add(slot)
            return None
        plan = make_plan(connection, statement, keys, many)
        # The statement is kept with its plan: its id cannot then be another's.
        self._plans[slot] = (statement, plan if plan is not None else _UNPLANNED)
        return plan


def make_plan(
    connection: Connection, statement: Executable, keys: tuple[str, ...], many: bool
) -> Plan | None:
    """Compile ``statement`` for these parameter names; None when a plan cannot cover it."""
    compile_ = getattr(statement, "compile", None)
    if compile_ is None:
        return None
    compiled = compile_(dialect=connection.dialect, column_keys=list(keys), for_executemany=many)
    if not isinstance(compiled, SQLCompiler) or not _plannable(compiled):
        return None
    assert compiled.positiontup is not None
    binds = compiled.binds
    defaults = {
        name: bind.effective_value
        for name, bind in binds.items()
        if not bind.required and name not in keys
    }
    rows = None
    if compiled._result_columns:
        names = [column.keyname for column in compiled._result_columns]
        if len(set(names)) != len(names):
            return None
        rows = SimpleResultMetaData(
            names,
            extra=[column.objects for column in compiled._result_columns],
            _processors=[
                column.type._cached_result_processor(connection.dialect, None)
                for column in compiled._result_columns
            ],
        )
    binders = {}
    for name, binder in compiled._bind_processors.items():
        if not callable(binder):
            return None  # a tuple's processors, one per element
        binders[name] = binder
    key: tuple[str, ...] = ()
    if isinstance(statement, Insert) and rows is None:
        key = tuple(column.key for column in getattr(statement.table, "primary_key", ()))
    return Plan(
        statement,
        compiled.string,
        tuple(compiled.positiontup),
        defaults,
        binders,
        rows,
        key,
    )


def _plannable(compiled: SQLCompiler) -> bool:
    if not compiled.positional or compiled.literal_execute_params or compiled.escaped_bind_names:
        return False
    if compiled.insert_prefetch or compiled.update_prefetch:
        return False
    if any(bind.expanding or bind.callable for bind in compiled.binds.values()):
        return False
    dml = compiled.isinsert or compiled.isupdate or compiled.isdelete
    return dml or isinstance(compiled.statement, Select)

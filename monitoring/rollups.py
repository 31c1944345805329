"""Upkeep of the execution rollups: fold the triggers' changes, rebuild from the executions, keep the triggers.

The rollups are correct between folds (readers add the pending changes, see
:mod:`monitoring.figures`); folding only keeps the change table short so that
reads stay fast. It runs every minute among the engine's periodic jobs
(``automation.periodic``) and is safe at any time, twice, or concurrently
(PostgreSQL: one ``DELETE ... RETURNING`` feeds the upsert and an advisory lock
orders folds and rebuilds; SQLite: its write lock does). A worker killed in the
middle rolls the whole fold back: the changes are still there for the next one.

:func:`rebuild` recomputes everything from ``automation_execution`` (``manage.py
rebuild_rollups``): the repair tool if the rollups were ever edited by hand.
:func:`ensure_triggers` runs after every ``migrate``: SQLite drops a table's
triggers when a migration re-creates the table, so they are re-created (and the
rollups rebuilt) whenever one is missing.
"""
from __future__ import annotations

from django.db import connections, transaction

from monitoring import rollup_sql
from monitoring.models import ExecutionRollupChange


def _execute(using: str, statements: list[str]) -> None:
    with connections[using].cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _serialise(using: str) -> None:
    if connections[using].vendor == "postgresql":
        _execute(using, [f"SELECT pg_advisory_xact_lock({rollup_sql.LOCK_KEY})"])


def fold(using: str = "default") -> int:
    """Move the pending changes into the rollup; returns how many change rows were folded."""
    connection = connections[using]
    with transaction.atomic(using=using):
        _serialise(using)
        pending = ExecutionRollupChange.objects.using(using).count()
        if pending:
            statements = rollup_sql.fold_postgresql() if connection.vendor == "postgresql" else rollup_sql.fold_sqlite()
            _execute(using, statements)
    return pending


def fold_job() -> int:
    """The periodic job (RQ keeps the small result)."""
    return fold()


def rebuild(using: str = "default") -> None:
    """Recompute the rollup from the executions, in one snapshot (PostgreSQL: REPEATABLE READ).

    Changes committed after that snapshot stay in the change table and are
    folded on top later, so writers need not stop.
    """
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            _execute(using, ["SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"])
        _serialise(using)
        _execute(using, rollup_sql.rebuild(connection.vendor))


def _installed(using: str) -> int:
    query = {
        "postgresql": "SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE %s",
        "sqlite": "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
    }[connections[using].vendor]
    with connections[using].cursor() as cursor:
        cursor.execute(query, [f"{rollup_sql.TRIGGER}%"])
        return cursor.fetchone()[0]


def has_rollups(using: str = "default") -> bool:
    """Whether this database has the rollup tables (migrated) and is one the triggers are written for."""
    connection = connections[using]
    return connection.vendor in ("postgresql", "sqlite") and rollup_sql.ROLLUP in connection.introspection.table_names()


def ensure_triggers(using: str = "default") -> bool:
    """Re-create the triggers and rebuild if any is missing (True when it had to)."""
    connection = connections[using]
    if not has_rollups(using) or _installed(using) == len(rollup_sql.EVENTS):
        return False
    with transaction.atomic(using=using):
        _execute(using, rollup_sql.remove(connection.vendor) + rollup_sql.install(connection.vendor))
        rebuild(using)
    return True

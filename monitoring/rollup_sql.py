"""The SQL that keeps the execution rollups (:mod:`monitoring.rollups`) in step with ``automation_execution``.

Why database triggers: every status change of an execution is written with
``QuerySet.update`` / ``bulk_create`` (no ``post_save``), and the engine's
``statuses_changed`` signals go out *after* commit, so a counter kept by a
signal receiver would drift whenever a worker died between the commit and the
signal. A trigger runs inside the writing transaction: the change record
commits or rolls back with the status change itself, whatever wrote it (the
engine, the admin, a bulk insert in SQL, a cascade delete).

Why change records instead of counters: updating a shared counter row from
every worker would serialise them on the busiest (current hour) row. The
triggers only *insert* into ``monitoring_executionrollupchange``; the periodic
fold (:func:`monitoring.rollups.fold`) moves those rows into
``monitoring_executionrollup`` in one transaction, and readers add the
not-yet-folded changes, so an answer never depends on when the fold last ran.

PostgreSQL: statement-level triggers with transition tables (one grouped
insert per statement, so a bulk enrollment of 10,000 executions writes a
handful of change rows). SQLite: row-level triggers (it has no statement level).
Test executions are never counted.
"""
from __future__ import annotations

from typing import Iterable

# Upper bounds (ms, exclusive) of the duration histogram's bins, in a 1-2-5 series from 100 ms to
# about 11.6 days; the last bin is open. Changing them needs a migration that re-creates the triggers.
HISTOGRAM_BOUNDS: tuple[int, ...] = tuple(
    mantissa * 10 ** exponent for exponent in range(2, 10) for mantissa in (1, 2, 5)
)[:22]
HISTOGRAM_FIELDS: tuple[str, ...] = tuple(f"d{index:02d}" for index in range(len(HISTOGRAM_BOUNDS) + 1))
FIGURE_FIELDS: tuple[str, ...] = ("total", "duration_sum", "duration_count", *HISTOGRAM_FIELDS)
KEY_FIELDS: tuple[str, ...] = ("workspace_id", "bucket", "flow_id", "status")

ROLLUP = "monitoring_executionrollup"
DAILY = "monitoring_executiondailyrollup"
CHANGES = "monitoring_executionrollupchange"
SOURCE = "automation_execution"
TRIGGER = "monitoring_execution_rollup"
EVENTS = ("insert", "update", "delete")  # one trigger ``{TRIGGER}_{event}`` each
# Serialises folds and rebuilds on PostgreSQL (pg_advisory_xact_lock key: "rollup" in ASCII).
LOCK_KEY = 0x726F6C6C7570


def bin_bounds(index: int) -> tuple[int, int | None]:
    """[low, high) of histogram bin ``index`` (high None: the open last bin)."""
    low = HISTOGRAM_BOUNDS[index - 1] if index else 0
    return low, HISTOGRAM_BOUNDS[index] if index < len(HISTOGRAM_BOUNDS) else None


def figure_expressions(duration: str, sign: str) -> list[str]:
    """One execution's contribution to each of :data:`FIGURE_FIELDS`, multiplied by ``sign``."""
    expressions = [sign, f"{sign} * COALESCE({duration}, 0)", f"CASE WHEN {duration} IS NULL THEN 0 ELSE {sign} END"]
    for index in range(len(HISTOGRAM_FIELDS)):
        low, high = bin_bounds(index)
        inside = f"{duration} >= {low}" + (f" AND {duration} < {high}" if high is not None else "")
        expressions.append(f"CASE WHEN {inside} THEN {sign} ELSE 0 END")
    return expressions


def _columns(fields: Iterable[str]) -> str:
    return ", ".join(fields)


# PostgreSQL ------------------------------------------------------------------------------------

def _pg_signed_rows(table: str, sign: str) -> str:
    bucket = "date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    return (f"SELECT workspace_id, {bucket} AS bucket, flow_id, status, duration_ms, {sign} AS sign "
            f"FROM {table} WHERE NOT is_test")


def _pg_insert_changes(rows: str) -> str:
    sums = [f"SUM({expression})" for expression in figure_expressions("duration_ms", "sign")]
    nonzero = " OR ".join(f"{total} <> 0" for total in sums)
    return (f"INSERT INTO {CHANGES} ({_columns(KEY_FIELDS + FIGURE_FIELDS)}) "
            f"SELECT {_columns(KEY_FIELDS)}, {_columns(sums)} FROM ({rows}) AS changed "
            f"GROUP BY {_columns(KEY_FIELDS)} HAVING {nonzero};")


def postgresql_install() -> list[str]:
    """The trigger function and its three statement-level triggers."""
    inserted = _pg_signed_rows("new_rows", "1")
    deleted = _pg_signed_rows("old_rows", "-1")
    return [
        f"""CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_pg_insert_changes(inserted)}
    ELSIF TG_OP = 'DELETE' THEN
        {_pg_insert_changes(deleted)}
    ELSE
        {_pg_insert_changes(f"{deleted} UNION ALL {inserted}")}
    END IF;
    RETURN NULL;
END $$;""",
        f"CREATE TRIGGER {TRIGGER}_insert AFTER INSERT ON {SOURCE} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}();",
        f"CREATE TRIGGER {TRIGGER}_update AFTER UPDATE ON {SOURCE} REFERENCING OLD TABLE AS old_rows "
        f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}();",
        f"CREATE TRIGGER {TRIGGER}_delete AFTER DELETE ON {SOURCE} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}();",
    ]


def postgresql_remove() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {TRIGGER}_{event} ON {SOURCE};" for event in EVENTS] + [
        f"DROP FUNCTION IF EXISTS {TRIGGER}();"
    ]


# SQLite ----------------------------------------------------------------------------------------

def _sqlite_insert_change(row: str, sign: str) -> str:
    values = figure_expressions(f"{row}.duration_ms", sign)
    bucket = f"strftime('%Y-%m-%d %H:00:00', {row}.created_at)"
    return (f"INSERT INTO {CHANGES} ({_columns(KEY_FIELDS + FIGURE_FIELDS)}) "
            f"SELECT {row}.workspace_id, {bucket}, {row}.flow_id, {row}.status, {_columns(values)} "
            f"WHERE NOT {row}.is_test;")


def sqlite_install() -> list[str]:
    """Three row-level triggers; the update one only when a counted column changed."""
    counted = ("workspace_id", "flow_id", "created_at", "status", "duration_ms", "is_test")
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in counted)
    return [
        f"CREATE TRIGGER {TRIGGER}_insert AFTER INSERT ON {SOURCE} BEGIN "
        f"{_sqlite_insert_change('NEW', '1')} END;",
        f"CREATE TRIGGER {TRIGGER}_update AFTER UPDATE OF {_columns(counted)} ON {SOURCE} WHEN {changed} BEGIN "
        f"{_sqlite_insert_change('OLD', '-1')} {_sqlite_insert_change('NEW', '1')} END;",
        f"CREATE TRIGGER {TRIGGER}_delete AFTER DELETE ON {SOURCE} BEGIN "
        f"{_sqlite_insert_change('OLD', '-1')} END;",
    ]


def sqlite_remove() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {TRIGGER}_{event};" for event in EVENTS]


# Fold and rebuild (both vendors) ---------------------------------------------------------------
# The fold adds every change to its hour (``ROLLUP``) and to its UTC day (``DAILY``): long ranges read
# one row per day instead of 24.

def _day(vendor: str, hour: str) -> str:
    if vendor == "postgresql":
        return f"date_trunc('day', {hour} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    return f"strftime('%Y-%m-%d 00:00:00', {hour})"


def _upsert(table: str, select: str) -> str:
    updates = ", ".join(f"{field} = {table}.{field} + excluded.{field}" for field in FIGURE_FIELDS)
    return (f"INSERT INTO {table} ({_columns(KEY_FIELDS + FIGURE_FIELDS)}) {select} "
            f"ON CONFLICT ({_columns(KEY_FIELDS)}) DO UPDATE SET {updates}")


def _grouped_sums(source: str, bucket: str, where: str = "") -> str:
    keys = f"workspace_id, {bucket}, flow_id, status"
    return (f"SELECT {keys}, {_columns(f'SUM({field})' for field in FIGURE_FIELDS)} FROM {source} {where} "
            f"GROUP BY {keys}")


def _drop_zeros() -> list[str]:
    return [f"DELETE FROM {table} WHERE total = 0" for table in (ROLLUP, DAILY)]


def fold_postgresql() -> list[str]:
    """Move every committed change into the rollups in one statement (DELETE ... RETURNING: none lost)."""
    moved = f"DELETE FROM {CHANGES} RETURNING {_columns(KEY_FIELDS + FIGURE_FIELDS)}"
    hourly = _upsert(ROLLUP, _grouped_sums("moved", "bucket"))
    daily = _upsert(DAILY, _grouped_sums("moved", _day("postgresql", "bucket")))
    return [f"WITH moved AS ({moved}), hourly AS ({hourly}) {daily}", *_drop_zeros()]


def fold_sqlite() -> list[str]:
    """The same in steps: SQLite's write lock (held for the whole transaction) keeps writers out."""
    return [
        _upsert(ROLLUP, _grouped_sums(CHANGES, "bucket", "WHERE true")),
        _upsert(DAILY, _grouped_sums(CHANGES, _day("sqlite", "bucket"), "WHERE true")),
        f"DELETE FROM {CHANGES}",
        *_drop_zeros(),
    ]


def rebuild(vendor: str) -> list[str]:
    """Recompute the rollups from the executions and drop the pending changes (run in one snapshot)."""
    if vendor == "postgresql":
        bucket = "date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    else:
        bucket = "strftime('%Y-%m-%d %H:00:00', created_at)"
    sums = _columns(f"SUM({expression})" for expression in figure_expressions("duration_ms", "1"))
    select = (f"SELECT workspace_id, {bucket}, flow_id, status, {sums} FROM {SOURCE} WHERE NOT is_test "
              f"GROUP BY workspace_id, {bucket}, flow_id, status")
    columns = _columns(KEY_FIELDS + FIGURE_FIELDS)
    return [
        f"DELETE FROM {ROLLUP}", f"DELETE FROM {DAILY}", f"DELETE FROM {CHANGES}",
        f"INSERT INTO {ROLLUP} ({columns}) {select}",
        f"INSERT INTO {DAILY} ({columns}) {_grouped_sums(ROLLUP, _day(vendor, 'bucket'))}",
    ]


def install(vendor: str) -> list[str]:
    return postgresql_install() if vendor == "postgresql" else sqlite_install()


def remove(vendor: str) -> list[str]:
    return postgresql_remove() if vendor == "postgresql" else sqlite_remove()

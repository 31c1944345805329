"""Inserting thousands of rows of one model that differ in a few columns only, in one statement.

An enrollment writes one execution and one first step per contact, rows that
share every value but the contact, the status or the job id. ``bulk_create``
prepares every field of every object in Python (``pre_save``,
``get_db_prep_save``, JSON adaptation...), which for 10,000 contacts took
seconds. Here the shared values are prepared once, from a template object, and
on PostgreSQL only the varying columns travel, as arrays:
``INSERT ... SELECT <shared>, v.* FROM unnest(<arrays>) AS v RETURNING id``.
Other databases (SQLite, for ``make run`` and the embedded test run) get the
same objects saved by ``bulk_create``.
"""
from __future__ import annotations

from copy import copy
from typing import Any, Sequence, TypeVar

from django.db import connections, router
from django.db.models import Field, Model
from django.db.models.base import ModelState

M = TypeVar("M", bound=Model)


def insert_rows(template: M, varying: dict[str, Sequence[Any]]) -> list[M]:
    """Save one row per position of the ``varying`` columns (attname -> values), every other column as on ``template``.

    Returns the saved objects in order, built with the template's cached related
    objects, as ``bulk_create`` would return them. ``template`` itself is not saved.
    """
    model = type(template)
    counts = {len(values) for values in varying.values()}
    if len(counts) != 1:
        raise ValueError(f"Every varying column needs the same number of values, got {sorted(counts)}.")
    if not counts.pop():
        return []
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    unknown = set(varying) - {field.attname for field in fields}
    if unknown:
        raise ValueError(f"Unknown column(s) of {model.__name__}: {sorted(unknown)}.")
    for field in fields:
        if field.attname not in varying:
            setattr(template, field.attname, field.pre_save(template, add=True))  # auto_now(_add) values, once
    objs = _objects(template, varying)
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model._default_manager.using(alias).bulk_create(objs)
    for obj, pk in zip(objs, _insert_unnest(connection, model, fields, template, varying), strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, alias
    return objs


def _objects(template: M, varying: dict[str, Sequence[Any]]) -> list[M]:
    """Copies of ``template`` (unsaved, no pk) that differ in the varying columns.

    They are built the way unpickling builds model instances: ``__new__`` and
    the attribute dict, without ``Model.__init__``, which sets every field one by
    one through its descriptor and cost more than the insert. That is sound here
    because every field's value is given (the template's are complete).
    """
    model = type(template)
    meta = model._meta
    base = {name: value for name, value in template.__dict__.items() if name != "_state"}
    base[meta.pk.attname] = None
    stale = {field.name for field in meta.concrete_fields if field.is_relation and field.attname in varying}
    cache = {name: value for name, value in template._state.fields_cache.items() if name not in stale}
    mutable = [name for name, value in base.items() if isinstance(value, (dict, list))]  # JSON: one each, as defaults
    names = list(varying)
    objs = []
    for values in zip(*(varying[name] for name in names)):
        obj = model.__new__(model)
        state = ModelState()
        state.fields_cache = dict(cache)
        attrs = dict(base)
        attrs.update((name, copy(attrs[name])) for name in mutable)
        attrs.update(zip(names, values))
        attrs["_state"] = state
        obj.__dict__.update(attrs)
        objs.append(obj)
    return objs


def _insert_unnest(connection: Any, model: type[Model], fields: list[Field], template: Model,
                   varying: dict[str, Sequence[Any]]) -> list[int]:
    quote = connection.ops.quote_name
    shared_params, arrays, array_params, names = [], [], [], []
    select = []
    for field in fields:
        # No length in array casts (varchar[] rather than varchar(200)[]), as Django's own unnest inserts do.
        db_type = field.db_type(connection).split("(")[0]
        if field.attname in varying:
            name = f"c{len(arrays)}"
            arrays.append(f"%s::{db_type}[]")
            array_params.append(_prepared(field, varying[field.attname], connection))
            names.append(name)
            select.append(f"v.{name}")
        else:
            select.append(f"%s::{db_type}")
            shared_params.append(field.get_db_prep_save(getattr(template, field.attname), connection))
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"SELECT {', '.join(select)} FROM unnest({', '.join(arrays)}) AS v({', '.join(names)}) "
        f"RETURNING {quote(model._meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, shared_params + array_params)
        # PostgreSQL returns the rows of INSERT ... SELECT in the order it inserts them, the order of the
        # arrays (bulk_create relies on the same for its RETURNING ids).
        return [row[0] for row in cursor.fetchall()]


def _prepared(field: Field, values: Sequence[Any], connection: Any) -> list[Any]:
    """``field.get_db_prep_save`` of each value, once per distinct value (a status column has two or three)."""
    memo: dict[Any, Any] = {}
    prepared = []
    for value in values:
        try:
            prepared.append(memo[value])
        except KeyError:
            prepared.append(memo.setdefault(value, field.get_db_prep_save(value, connection)))
        except TypeError:  # unhashable (a dict for a JSON column)
            prepared.append(field.get_db_prep_save(value, connection))
    return prepared

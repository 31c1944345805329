"""Condition rules: the small language shared by trigger conditions and condition nodes.

A condition is a group ``{"match": "all" | "any", "rules": [...]}`` whose rules
are either nested groups or ``{"field", "operator", "value"}``. Fields name
values of the evaluation context:

- contact fields: ``first_name``, ``tags``, ``lead_source``... (``contact.`` prefix optional)
- custom fields: ``custom.<key>``
- trigger / event data: ``event.<path>``
- earlier steps: ``steps.<node_id>.outcome`` or ``steps.<node_id>.status``

String comparisons ignore case, because the values come from people and providers.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

OPERATORS = (
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "any",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "is_set",
)
CONTACT_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "full_name",
    "phone",
    "email",
    "tags",
    "lead_source",
    "entry_type",
    "timezone",
    "opted_out_sms",
    "opted_out_whatsapp",
    "opted_out_email",
    "opted_out_voice",
)
FIELD_ROOTS = ("contact", "custom", "event", "steps")
MAX_DEPTH = 5
MAX_RULES = 100


@dataclass(frozen=True)
class ConditionError:
    path: str
    message: str


def validate_condition(condition: Any, path: str = "conditions") -> list[ConditionError]:
    """Structural errors of a condition group; an empty list means it is valid."""
    errors: list[ConditionError] = []
    _validate_group(condition, path, 0, errors)
    return errors


def _validate_group(group: Any, path: str, depth: int, errors: list[ConditionError]) -> None:
    if not isinstance(group, dict):
        errors.append(ConditionError(path, "Must be an object with 'match' and 'rules'."))
        return
    if depth > MAX_DEPTH:
        errors.append(ConditionError(path, f"Groups may be nested at most {MAX_DEPTH} deep."))
        return
    match = group.get("match", "all")
    if match not in ("all", "any"):
        errors.append(ConditionError(f"{path}.match", "Must be 'all' or 'any'."))
    rules = group.get("rules", [])
    if not isinstance(rules, list):
        errors.append(ConditionError(f"{path}.rules", "Must be a list."))
        return
    if len(rules) > MAX_RULES:
        errors.append(ConditionError(f"{path}.rules", f"At most {MAX_RULES} rules."))
        return
    for index, rule in enumerate(rules):
        rule_path = f"{path}.rules[{index}]"
        if isinstance(rule, dict) and "rules" in rule:
            _validate_group(rule, rule_path, depth + 1, errors)
        else:
            _validate_rule(rule, rule_path, errors)


def _validate_rule(rule: Any, path: str, errors: list[ConditionError]) -> None:
    if not isinstance(rule, dict):
        errors.append(ConditionError(path, "Must be an object with 'field', 'operator' and 'value'."))
        return
    field = rule.get("field")
    if not isinstance(field, str) or not field:
        errors.append(ConditionError(f"{path}.field", "This field is required."))
    elif not _field_is_known(field):
        errors.append(
            ConditionError(
                f"{path}.field",
                f"Unknown field '{field}'. Use a contact field, custom.<key>, event.<path> or steps.<node_id>.outcome.",
            )
        )
    operator = rule.get("operator")
    if operator not in OPERATORS:
        errors.append(ConditionError(f"{path}.operator", f"Must be one of: {', '.join(OPERATORS)}."))
        return
    value = rule.get("value")
    if operator in ("any", "in", "not_in") and not isinstance(value, list):
        errors.append(ConditionError(f"{path}.value", f"'{operator}' needs a list of values."))
    if operator in ("gt", "gte", "lt", "lte") and (value is None or isinstance(value, (list, dict, bool))):
        errors.append(ConditionError(f"{path}.value", f"'{operator}' needs a number or a date."))
    if operator in ("equals", "not_equals", "contains", "not_contains") and isinstance(value, (dict, list)):
        errors.append(ConditionError(f"{path}.value", f"'{operator}' needs a single value."))


def _field_is_known(field: str) -> bool:
    parts = field.split(".")
    if parts[0] == "contact":
        parts = parts[1:]
        if not parts:
            return False
    if len(parts) == 1:
        return parts[0] in CONTACT_FIELDS
    root = parts[0]
    if root in ("custom", "event"):
        return all(parts[1:])
    if root == "steps":
        return len(parts) == 3 and bool(parts[1]) and parts[2] in ("outcome", "status")
    return False


def resolve_field(field: str, context: dict[str, Any]) -> Any:
    """The value ``field`` names in ``context`` (None when absent)."""
    parts = field.split(".")
    if parts[0] == "contact":
        parts = parts[1:]
    if len(parts) == 1:
        return (context.get("contact") or {}).get(parts[0])
    root, rest = parts[0], parts[1:]
    if root == "custom":
        current: Any = (context.get("contact") or {}).get("custom_fields") or {}
    elif root == "event":
        current = context.get("event") or {}
    elif root == "steps":
        current = context.get("steps") or {}
    else:
        return None
    for part in rest:
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def evaluate(condition: dict[str, Any] | None, context: dict[str, Any]) -> bool:
    """Whether ``context`` satisfies ``condition``; an empty condition always holds."""
    if not condition or not condition.get("rules"):
        return True
    results = (
        evaluate(rule, context) if "rules" in rule else _evaluate_rule(rule, context) for rule in condition["rules"]
    )
    return any(results) if condition.get("match", "all") == "any" else all(results)


def reads_steps(condition: dict[str, Any] | None) -> bool:
    """Whether a rule of ``condition`` (nested groups included) reads ``steps.<node_id>...``."""
    return any(
        reads_steps(rule) if "rules" in rule else str(rule.get("field", "")).split(".")[0] == "steps"
        for rule in (condition or {}).get("rules", [])
    )


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _compare(actual: Any, expected: Any, test: Callable[[Any, Any], bool]) -> bool:
    left, right = _number(actual), _number(expected)
    if left is not None and right is not None:
        return test(left, right)
    if isinstance(actual, str) and isinstance(expected, str):
        # ISO dates and times compare correctly as strings.
        return test(actual, expected)
    return False


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, (list, tuple)):
        return _fold(expected) in {_fold(item) for item in actual if not isinstance(item, (dict, list))}
    if isinstance(actual, str) and expected is not None:
        return str(expected).casefold() in actual.casefold()
    return False


def _is_set(actual: Any) -> bool:
    return actual not in (None, "", [], {})


def _evaluate_rule(rule: dict[str, Any], context: dict[str, Any]) -> bool:
    actual = resolve_field(rule.get("field", ""), context)
    expected = rule.get("value")
    operator = rule.get("operator")
    if operator == "equals":
        return _fold(actual) == _fold(expected) or (_number(actual) is not None and _number(actual) == _number(expected))
    if operator == "not_equals":
        return not _evaluate_rule({**rule, "operator": "equals"}, context)
    if operator == "contains":
        return _contains(actual, expected)
    if operator == "not_contains":
        return not _contains(actual, expected)
    if operator == "any":
        values = {_fold(v) for v in expected or []}
        items = actual if isinstance(actual, (list, tuple)) else [actual]
        return any(_fold(item) in values for item in items if not isinstance(item, (dict, list)))
    if operator == "in":
        return _fold(actual) in {_fold(v) for v in expected or []} if not isinstance(actual, (dict, list)) else False
    if operator == "not_in":
        return not _evaluate_rule({**rule, "operator": "in"}, context)
    if operator == "gt":
        return _compare(actual, expected, lambda a, b: a > b)
    if operator == "gte":
        return _compare(actual, expected, lambda a, b: a >= b)
    if operator == "lt":
        return _compare(actual, expected, lambda a, b: a < b)
    if operator == "lte":
        return _compare(actual, expected, lambda a, b: a <= b)
    if operator == "is_set":
        return _is_set(actual) == (expected is not False)
    return False

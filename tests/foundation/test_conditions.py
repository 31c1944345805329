"""Condition rules: validation and evaluation."""
import pytest

from flows.conditions import evaluate, validate_condition

CONTEXT = {
    "contact": {"first_name": "Ada", "tags": ["vip", "lead"], "lead_source": "Facebook",
                "custom_fields": {"score": "42", "plan": {"name": "pro"}}, "email": ""},
    "event": {"score": -0.8, "channel": "chat", "items": [{"sku": "A1"}]},
    "steps": {"call": {"status": "success", "outcome": "no_answer"}},
}


@pytest.mark.parametrize(
    "field, operator, value, expected",
    [
        ("first_name", "equals", "ada", True),
        ("contact.first_name", "not_equals", "Grace", True),
        ("tags", "contains", "VIP", True),
        ("tags", "not_contains", "dnc", True),
        ("tags", "any", ["x", "lead"], True),
        ("tags", "any", ["x", "y"], False),
        ("lead_source", "in", ["facebook", "website"], True),
        ("lead_source", "not_in", ["facebook"], False),
        ("custom.score", "gt", 40, True),
        ("custom.score", "lt", 40, False),
        ("custom.plan.name", "equals", "pro", True),
        ("event.score", "lt", -0.5, True),
        ("event.score", "gte", -0.8, True),
        ("event.items.0.sku", "equals", "A1", True),
        ("email", "is_set", True, False),
        ("email", "is_set", False, True),
        ("custom.missing", "is_set", True, False),
        ("custom.missing", "equals", "x", False),
        ("steps.call.outcome", "equals", "no_answer", True),
        ("first_name", "gt", 3, False),
    ],
)
def test_operators(field, operator, value, expected):
    assert evaluate({"match": "all", "rules": [{"field": field, "operator": operator, "value": value}]}, CONTEXT) is expected


def test_groups_and_or():
    condition = {
        "match": "any",
        "rules": [
            {"field": "first_name", "operator": "equals", "value": "Grace"},
            {"match": "all", "rules": [
                {"field": "tags", "operator": "contains", "value": "vip"},
                {"field": "event.channel", "operator": "equals", "value": "chat"},
            ]},
        ],
    }
    assert validate_condition(condition) == []
    assert evaluate(condition, CONTEXT) is True
    condition["match"] = "all"
    assert evaluate(condition, CONTEXT) is False


def test_empty_condition_holds():
    assert evaluate({}, CONTEXT) and evaluate(None, CONTEXT) and evaluate({"rules": []}, CONTEXT)


@pytest.mark.parametrize(
    "condition, path",
    [
        ("x", "conditions"),
        ({"match": "some", "rules": []}, "conditions.match"),
        ({"rules": [{"field": "favourite", "operator": "equals", "value": 1}]}, "conditions.rules[0].field"),
        ({"rules": [{"field": "tags", "operator": "like", "value": 1}]}, "conditions.rules[0].operator"),
        ({"rules": [{"field": "tags", "operator": "in", "value": "vip"}]}, "conditions.rules[0].value"),
        ({"rules": [{"field": "steps.call.colour", "operator": "equals", "value": 1}]}, "conditions.rules[0].field"),
        ({"rules": [{"match": "all", "rules": [{"field": "x.y", "operator": "equals"}]}]},
         "conditions.rules[0].rules[0].field"),
    ],
)
def test_invalid_conditions_are_reported_with_their_path(condition, path):
    assert path in [error.path for error in validate_condition(condition)]


def test_reads_steps_finds_a_steps_field_in_nested_groups_only_when_there_is_one():
    from flows.conditions import reads_steps

    nested = {"match": "any", "rules": [{"field": "tags", "operator": "contains", "value": "vip"},
                                        {"match": "all", "rules": [{"field": "steps.call.outcome", "operator": "is_set"}]}]}
    assert reads_steps(nested)
    assert not reads_steps({"rules": [{"field": "first_name", "operator": "is_set"}, {"field": "custom.steps"}]})
    assert not reads_steps(None) and not reads_steps({})

"""Message templates: ``{{ contact.first_name }}``, ``{{ contact.custom_fields.plan }}``, ``{{ event.x }}``.

Templates are rendered by Jinja2's sandbox with only plain data (dicts, lists,
strings, numbers) in the context, so a template can read the values it is given
and nothing else: no attribute access to Python objects, no imports, no calls
beyond the sandbox's safe filters. Missing variables render as empty strings, or
as a default given with ``{{ contact.first_name | default("there") }}``.
"""
from __future__ import annotations

from typing import Any

from jinja2 import TemplateSyntaxError, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_TEMPLATE_LENGTH = 100_000


class TemplateError(ValueError):
    """A template that cannot be parsed or rendered; its message is meant for the flow's author."""


class _Silent(Undefined):
    """Missing values render as nothing; chained lookups on them stay missing."""

    def __getattr__(self, name: str) -> "_Silent":
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    __getitem__ = __getattr__  # type: ignore[assignment]

    def __str__(self) -> str:
        return ""


def _environment(autoescape: bool) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(autoescape=autoescape, undefined=_Silent, keep_trailing_newline=True)
    env.globals.clear()
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


def check_syntax(source: str) -> str | None:
    """The syntax error of ``source`` as a message, or None if it parses."""
    if len(source) > MAX_TEMPLATE_LENGTH:
        return f"Templates are limited to {MAX_TEMPLATE_LENGTH} characters."
    try:
        _TEXT.parse(source)
    except TemplateSyntaxError as exc:
        return f"Template syntax error on line {exc.lineno}: {exc.message}"
    return None


def render(source: str, context: dict[str, Any], *, html: bool = False) -> str:
    """Render ``source`` with ``context``, which must hold plain data only."""
    env = _HTML if html else _TEXT
    try:
        return env.from_string(source).render(context)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"Template syntax error on line {exc.lineno}: {exc.message}") from exc
    except Exception as exc:  # SecurityError, TypeError... from the template's own expressions
        raise TemplateError(f"Template could not be rendered: {exc}") from exc

"""What a send node would send, rendered from its config and the contact / event context.

One function per sending node type (a registry, not an if/elif chain). The
executors send exactly this, and test mode, the API and the admin previews show
exactly this, so a preview can never disagree with what goes out.
"""
from __future__ import annotations

from typing import Any, Callable

from django.utils.html import strip_tags
from twilio.twiml.voice_response import VoiceResponse

from flows.templating import render

Renderer = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
_renderers: dict[str, Renderer] = {}


def renders(node_type: str) -> Callable[[Renderer], Renderer]:
    def register(function: Renderer) -> Renderer:
        _renderers[node_type] = function
        return function

    return register


def can_render(node_type: str) -> bool:
    return node_type in _renderers


def render_message(node_type: str, config: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """The message a ``node_type`` node with ``config`` sends for ``context`` ({contact, event}).

    Raises :class:`flows.templating.TemplateError` when a template cannot be rendered,
    and ``KeyError`` for a node type that sends nothing.
    """
    return _renderers[node_type](config, context)


@renders("send_sms")
@renders("send_whatsapp")
def _text_message(config: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    return {"body": render(config.get("body", ""), context), "media_urls": list(config.get("media_urls") or [])}


@renders("send_email")
def _email(config: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    html = render(config["html"], context, html=True) if config.get("html") else ""
    text = render(config["text"], context) if config.get("text") else strip_tags(html).strip()
    return {
        "subject": render(config.get("subject", ""), context).strip(),
        "html": html,
        "text": text,
        "from_email": config.get("from_email", ""),
        "reply_to": config.get("reply_to", ""),
    }


@renders("voice_call")
def _voice(config: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    if config.get("twiml"):
        # TwiML is XML: values are escaped like HTML so a name cannot inject verbs.
        return {"twiml": render(config["twiml"], context, html=True)}
    response = VoiceResponse()
    voice = config.get("voice") or "alice"
    for item in config.get("script") or []:
        if "say" in item:
            response.say(render(item["say"], context), voice=voice)
        elif "play" in item:
            response.play(item["play"])
        elif "pause" in item:
            response.pause(length=item["pause"])
    return {"twiml": str(response)}

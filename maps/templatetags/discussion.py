"""A comment's text as the panel shows it: escaped first, then each mention the comment carries
(maps.operations.discussion checked it) marked. Nothing of the user's text is ever markup."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

register = template.Library()

MENTION = '<span class="mention">{}</span>'


@register.filter
def comment_body(comment) -> SafeString:
    html = escape(comment.body)
    for mention in comment.mentions:
        name = escape("@" + str(mention.get("name", "")))
        if name != "@":
            html = html.replace(name, MENTION.format(name))
    return mark_safe(html)  # noqa: S308 (escaped above; the span is ours)


@register.filter
def mentions_json(comment) -> str:
    """The comment's mentions as JSON, for an attribute (escaped there by the template), so an
    edit keeps whom it named."""
    return json.dumps(list(comment.mentions))


@register.filter
def ago(moment: datetime) -> str:
    """ "just now" for the first minute (timesince says "0 minutes"), else "3 hours ago"."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"

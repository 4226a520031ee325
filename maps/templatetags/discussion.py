"""A comment's text as the panel shows it: escaped first, then each mention the comment carries
(maps.operations.discussion checked it) marked. Nothing of the user's text is ever markup."""

from __future__ import annotations

import json
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

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

"""The conversation in a JSON map document (reports.export.json_io), under `comments`:

    "comments": {
      "threads": [{"touchpoint": "t3" | "stage": "s1", "resolved": false, "resolved_by": "",
                   "comments": [{"author": "Ann", "body": "…", "mentions": ["Tom"],
                                 "created_at": "…", "edited_at": null,
                                 "reactions": {"+1": 2}}]}],
      "reactions": [{"touchpoint": "t3", "counts": {"idea": 1}}]
    }

As everywhere in an export, people are names only: a comment's author and its mentions
(an account or a workshop place means nothing on another instance), and reactions are counts.
So an imported comment belongs to nobody (nobody edits it; it is history), and an imported
reaction is someone's of the past ("imported:<n>"), counted like any other. Exporting an
imported map gives the same section. Checked whole before anything is written, every problem
with its place, like the rest of the document (json_check.py calls `clean_comments`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from maps import operations as ops
from maps.discussion import KINDS
from maps.discussion_models import COMMENT_MAX, MENTIONS_MAX, Comment, Reaction, Thread
from maps.models import NAME_MAX, JourneyMap, Stage, Touchpoint

MAX_COMMENTS = 50_000
# Per kind on one note or comment: a room is never this big; a count past it is a made-up file.
MAX_REACTION_COUNT = 1_000
MAX_REACTIONS = 100_000
MAX_TOUCHPOINT_REACTIONS = 10_000  # entries of `reactions`: at most one per note


# --- export ---------------------------------------------------------------------------------


def export_comments(
    journey_map: JourneyMap, note_ref: dict[int, str], stage_ref: dict[int, str]
) -> dict[str, Any]:
    """The section, in document order: threads by their note's (or stage's) place, stages'
    after notes'; comments as written."""
    counts = _reaction_counts(journey_map)
    threads = sorted(
        journey_map.threads.all(),
        key=lambda t: (
            (0, int(note_ref[t.touchpoint_id][1:]))
            if t.touchpoint_id
            else (1, int(stage_ref[t.stage_id][1:]))
        ),
    )
    comments: dict[int, list[Comment]] = defaultdict(list)
    for comment in journey_map.comments.order_by("created_at", "id"):
        comments[comment.thread_id].append(comment)
    return {
        "threads": [
            {
                **(
                    {"touchpoint": note_ref[t.touchpoint_id]}
                    if t.touchpoint_id
                    else {"stage": stage_ref[t.stage_id]}
                ),
                "resolved": t.resolved,
                "resolved_by": t.resolved_by,
                "comments": [
                    {
                        "author": c.author_name,
                        "body": c.body,
                        "mentions": [m.get("name", "") for m in c.mentions],
                        "created_at": c.created_at.isoformat(),
                        "edited_at": c.edited_at.isoformat() if c.edited_at else None,
                        "reactions": counts.get(("comment", c.pk), {}),
                    }
                    for c in comments[t.pk]
                ],
            }
            for t in threads
        ],
        "reactions": [
            {"touchpoint": note_ref[pk], "counts": found}
            for (kind, pk), found in sorted(
                counts.items(),
                key=lambda item: (item[0][0], int(note_ref.get(item[0][1], "t0")[1:])),
            )
            if kind == "touchpoint"
        ],
    }


def _reaction_counts(journey_map: JourneyMap) -> dict[tuple[str, int], dict[str, int]]:
    counts: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for touchpoint, comment, kind in journey_map.reactions.values_list(
        "touchpoint_id", "comment_id", "kind"
    ):
        key = ("touchpoint", touchpoint) if touchpoint else ("comment", comment)
        counts[key][kind] = counts[key].get(kind, 0) + 1
    return {key: {k: found[k] for k in KINDS if k in found} for key, found in counts.items()}


# --- checking -------------------------------------------------------------------------------


def clean_comments(
    check: Any, raw: Any, notes: dict[str, bool], stages: set[str], parse_time: Any
) -> dict[str, Any]:
    """The section, checked (`check`: json_check's checker; `parse_time` its date reader)."""
    if raw is None:
        return {"threads": [], "reactions": []}
    data = check.obj(raw, "comments", {"threads", "reactions"}, set())
    if data is None:
        return {"threads": [], "reactions": []}
    budget = {"comments": MAX_COMMENTS, "reactions": MAX_REACTIONS}
    threads = []
    seen: set[str] = set()
    for i, item in enumerate(
        check.array(data.get("threads"), "comments.threads", len(notes) + len(stages))
    ):
        thread = _clean_thread(
            check, item, f"comments.threads[{i}]", notes, stages, seen, budget, parse_time
        )
        if thread is not None:
            threads.append(thread)
    reactions = []
    for i, item in enumerate(
        check.array(data.get("reactions"), "comments.reactions", MAX_TOUCHPOINT_REACTIONS)
    ):
        where = f"comments.reactions[{i}]"
        entry = check.obj(item, where, {"touchpoint", "counts"}, {"touchpoint", "counts"})
        if entry is None:
            continue
        if check.refers(
            entry.get("touchpoint"),
            f"{where}.touchpoint",
            notes,
            "is not a touchpoint of this document",
        ):
            reactions.append(
                {
                    "touchpoint": entry["touchpoint"],
                    "counts": _counts(check, entry.get("counts"), f"{where}.counts", budget),
                }
            )
    if budget["comments"] < 0 or budget["reactions"] < 0:
        check.error(
            "comments", f"holds more than {MAX_COMMENTS} comments or {MAX_REACTIONS} reactions"
        )
    return {"threads": threads, "reactions": reactions}


def _clean_thread(
    check: Any,
    item: Any,
    where: str,
    notes: dict[str, bool],
    stages: set[str],
    seen: set[str],
    budget: dict[str, int],
    parse_time: Any,
) -> dict[str, Any] | None:
    allowed = {"touchpoint", "stage", "resolved", "resolved_by", "comments"}
    data = check.obj(item, where, allowed, {"comments"})
    if data is None:
        return None
    if ("touchpoint" in data) == ("stage" in data):
        check.error(where, "names a touchpoint or a stage: exactly one")
        return None
    kind = "touchpoint" if "touchpoint" in data else "stage"
    known = notes if kind == "touchpoint" else stages
    target = data[kind]
    if not check.refers(target, f"{where}.{kind}", known, f"is not a {kind} of this document"):
        return None
    if f"{kind}:{target}" in seen:
        check.error(f"{where}.{kind}", f"{target!r} has a thread already")
        return None
    seen.add(f"{kind}:{target}")
    resolved = data.get("resolved", False)
    if not isinstance(resolved, bool):
        check.error(f"{where}.resolved", "must be true or false")
    comments = []
    items = check.array(data.get("comments"), f"{where}.comments", MAX_COMMENTS)
    budget["comments"] -= len(items)
    if not items:
        check.error(f"{where}.comments", "a thread has at least one comment")
    for j, raw_comment in enumerate(items):
        comment = _clean_comment(check, raw_comment, f"{where}.comments[{j}]", budget, parse_time)
        if comment is not None:
            comments.append(comment)
    return {
        kind: target,
        "resolved": resolved is True,
        "resolved_by": check.run(
            f"{where}.resolved_by",
            ops.clean_text,
            data.get("resolved_by", ""),
            "resolved_by",
            NAME_MAX,
        ),
        "comments": comments,
    }


def _clean_comment(
    check: Any, item: Any, where: str, budget: dict[str, int], parse_time: Any
) -> dict[str, Any] | None:
    allowed = {"author", "body", "mentions", "created_at", "edited_at", "reactions"}
    data = check.obj(item, where, allowed, {"body"})
    if data is None:
        return None
    mentions = data.get("mentions", [])
    names: list[str] = []
    if not isinstance(mentions, list) or len(mentions) > MENTIONS_MAX:
        check.error(f"{where}.mentions", f"must be a list of at most {MENTIONS_MAX} names")
    else:
        for k, name in enumerate(mentions):
            cleaned = check.run(
                f"{where}.mentions[{k}]", ops.clean_text, name, "mention", NAME_MAX, required=True
            )
            if cleaned is not None:
                names.append(cleaned)
    return {
        "author_name": check.run(
            f"{where}.author", ops.clean_text, data.get("author", ""), "author", NAME_MAX
        ),
        "body": check.run(
            f"{where}.body", ops.clean_text, data.get("body"), "body", COMMENT_MAX, required=True
        ),
        "mentions": [{"key": "", "name": name} for name in names],
        "created_at": _time(check, data.get("created_at"), f"{where}.created_at", parse_time),
        "edited_at": _time(check, data.get("edited_at"), f"{where}.edited_at", parse_time),
        "reactions": _counts(check, data.get("reactions"), f"{where}.reactions", budget),
    }


def _time(check: Any, value: Any, where: str, parse_time: Any) -> datetime | None:
    if value is None:
        return None
    moment = parse_time(value)
    if moment is None:
        check.error(where, "must be a date and time (ISO 8601) from 1900 to 2999")
    return moment


def _counts(check: Any, raw: Any, where: str, budget: dict[str, int]) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        check.error(where, "must be an object of counts by reaction")
        return {}
    counts = {}
    for kind, n in raw.items():
        if kind not in KINDS:
            check.error(f"{where}.{str(kind)[:20]}", f"is not a reaction ({', '.join(KINDS)})")
        elif isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_REACTION_COUNT:
            check.error(f"{where}.{kind}", f"must be a whole number from 0 to {MAX_REACTION_COUNT}")
        elif n:
            counts[kind] = n
            budget["reactions"] -= n
    return {k: counts[k] for k in KINDS if k in counts}


# --- writing (inside import_map's transaction) ---------------------------------------------


def write_comments(
    journey_map: JourneyMap,
    section: dict[str, Any],
    notes: dict[str, Touchpoint],
    stages: dict[str, Stage],
) -> int:
    """Create the section's threads, comments and reactions; the number of comments."""
    reactions: list[Reaction] = []
    written = 0
    for data in section["threads"]:
        target = (
            {"touchpoint": notes[data["touchpoint"]]}
            if "touchpoint" in data
            else {"stage": stages[data["stage"]]}
        )
        thread = Thread.objects.create(
            map=journey_map, resolved=data["resolved"], resolved_by=data["resolved_by"], **target
        )
        for item in data["comments"]:
            fields = {k: v for k, v in item.items() if k != "reactions" and v is not None}
            comment = Comment.objects.create(map=journey_map, thread=thread, **fields)
            reactions += _imported(journey_map, item["reactions"], comment=comment)
            written += 1
    for data in section["reactions"]:
        reactions += _imported(journey_map, data["counts"], touchpoint=notes[data["touchpoint"]])
    Reaction.objects.bulk_create(reactions)
    return written


def _imported(journey_map: JourneyMap, counts: dict[str, int], **target: Any) -> list[Reaction]:
    """n reactions of a kind from n people of the past, "imported:1" to "imported:n"."""
    return [
        Reaction(map=journey_map, kind=kind, person=f"imported:{i}", **target)
        for kind, n in counts.items()
        for i in range(1, n + 1)
    ]

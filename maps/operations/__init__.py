"""The one path for every change to a map.

Every operation, whether it comes from an htmx form, a websocket message, an import, the admin
or a management command: validates its input → writes in one transaction with the map row
locked → bumps the map's revision → appends a MapEvent → publishes the event to the map's group
after commit (never on rollback). Callers stay thin and get back the MapEvent.

Who may is decided before an operation runs (maps.permissions, from each operation's
declaration in the registry): an operation trusts its actor but never its input.

One module per concern: `log` (the event log, run_once), `clean` (input cleaners), `registry`
(the table of operations by name), `journey_maps`, `stages`, `notes` (touchpoints and groups),
`actions` (action items), `discussion`, `reactions`, `inbox` (comment threads, reactions,
notifications), `personas`, `segments` (several personas on a map), `members`, `imports` (CSV),
`order` (respacing keys before they run out), `states` (what an undo puts back), `undo` (undo and
redo, per person), `summary` (events in words), `versions` (named copies of the board, and
restoring one). The
names below are the public ones.
"""

from __future__ import annotations

from ..errors import SYSTEM, Actor, OperationError
from .actions import (
    ACTION_NOT_FOUND,
    add_action,
    clean_action_fields,
    delete_action,
    find_participants_with,
    get_action,
    import_actions,
    update_action,
)
from .clean import (
    clean_bool,
    clean_choice,
    clean_id,
    clean_index,
    clean_percent,
    clean_score,
    clean_text,
)
from .discussion import (
    COMMENT_NOT_FOUND,
    add_comment,
    delete_comment,
    edit_comment,
    get_comment,
    get_thread,
    reopen_thread,
    resolve_thread,
)
from .groups import move_group, stack_touchpoint, ungroup_touchpoint
from .imports import import_touchpoints
from .journey_maps import (
    create_future_state,
    create_map,
    delete_map,
    duplicate_map,
    update_map,
)
from .log import (
    MAP_NOT_FOUND,
    append_event,
    applied_event,
    claim_revision,
    group_name,
    lock_map,
    one_or_none,
    publish_on_commit,
    record,
    run_once,
)
from .members import (
    MEMBER_ROLES,
    account_group,
    add_member,
    change_member_role,
    remove_member,
)
from .notes import (
    NOTE_NOT_FOUND,
    add_group,
    add_touchpoint,
    clean_touchpoint_fields,
    delete_group,
    delete_touchpoint,
    get_group,
    get_touchpoint,
    group_touchpoint,
    move_touchpoint,
    rename_group,
    step_touchpoint,
    update_touchpoint,
)
from .personas import (
    PERSONA_LIMITS,
    clean_persona_fields,
    create_persona,
    delete_persona,
    update_persona,
)
from .reactions import set_reaction
from .registry import OPERATIONS, Field, Operation, operation
from .segments import (
    PERSONA_NOT_ON_MAP,
    add_map_persona,
    copy_segments,
    feel_stage,
    get_segment,
    make_primary,
    map_personas,
    persona_ids,
    remove_map_persona,
    scope_touchpoint,
)
from .stages import (
    STAGE_NOT_FOUND,
    add_stage,
    clean_stage_fields,
    delete_stage,
    get_stage,
    move_stage,
    step_stage,
    update_stage,
)
from .states import keep_votes_with
from .undo import redo, redo_target, stack_state, undo, undo_target
from .versions import (
    VERSION_NOT_FOUND,
    get_version,
    restore_version,
    take_version,
    version_snapshot,
)

__all__ = [
    "ACTION_NOT_FOUND",
    "COMMENT_NOT_FOUND",
    "MAP_NOT_FOUND",
    "MEMBER_ROLES",
    "NOTE_NOT_FOUND",
    "OPERATIONS",
    "PERSONA_LIMITS",
    "PERSONA_NOT_ON_MAP",
    "STAGE_NOT_FOUND",
    "SYSTEM",
    "VERSION_NOT_FOUND",
    "Actor",
    "Field",
    "Operation",
    "OperationError",
    "account_group",
    "add_action",
    "add_comment",
    "add_group",
    "add_map_persona",
    "add_member",
    "add_stage",
    "add_touchpoint",
    "append_event",
    "applied_event",
    "change_member_role",
    "claim_revision",
    "clean_action_fields",
    "clean_bool",
    "clean_choice",
    "clean_id",
    "clean_index",
    "clean_percent",
    "clean_persona_fields",
    "clean_score",
    "clean_stage_fields",
    "clean_text",
    "clean_touchpoint_fields",
    "copy_segments",
    "create_future_state",
    "create_map",
    "create_persona",
    "delete_action",
    "delete_comment",
    "delete_group",
    "delete_map",
    "delete_persona",
    "delete_stage",
    "delete_touchpoint",
    "duplicate_map",
    "edit_comment",
    "feel_stage",
    "find_participants_with",
    "get_action",
    "get_comment",
    "get_group",
    "get_segment",
    "get_stage",
    "get_thread",
    "get_touchpoint",
    "get_version",
    "group_name",
    "group_touchpoint",
    "import_actions",
    "import_touchpoints",
    "keep_votes_with",
    "lock_map",
    "make_primary",
    "map_personas",
    "move_group",
    "move_stage",
    "move_touchpoint",
    "one_or_none",
    "operation",
    "persona_ids",
    "publish_on_commit",
    "record",
    "redo",
    "redo_target",
    "remove_map_persona",
    "remove_member",
    "rename_group",
    "reopen_thread",
    "resolve_thread",
    "restore_version",
    "run_once",
    "scope_touchpoint",
    "set_reaction",
    "stack_state",
    "stack_touchpoint",
    "step_stage",
    "step_touchpoint",
    "take_version",
    "undo",
    "undo_target",
    "ungroup_touchpoint",
    "update_action",
    "update_map",
    "update_persona",
    "update_stage",
    "update_touchpoint",
    "version_snapshot",
]

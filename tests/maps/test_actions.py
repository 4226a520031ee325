"""Action items (issue 17): a touchpoint turned into what the team will do, who does it and by
when. Each operation's event, the owner rules, the map page's edits and who may make them,
and every bad input refused with nothing saved."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from maps import operations as ops
from maps.models import ActionItem, JourneyMap, MapEvent
from maps.serializers import action_data, map_snapshot

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def note(journey_map, actor) -> int:
    stage = journey_map.stages.order_by("position").first()
    event = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="Signs a long contract")
    return event.payload["touchpoint"]["id"]


@pytest.fixture
def action(journey_map, actor, note, editor) -> int:
    event = ops.add_action(
        actor,
        journey_map,
        touchpoint=note,
        text="Rewrite the contract summary",
        owner=f"member:{editor.pk}",
        due="2026-12-01",
    )
    return event.payload["action"]["id"]


def revision(journey_map) -> int:
    return JourneyMap.objects.get(pk=journey_map.pk).revision


def last_event(journey_map) -> MapEvent:
    return MapEvent.objects.filter(map=journey_map).order_by("-revision").first()


# --- the operations and their events ---------------------------------------------------------


def test_a_touchpoint_becomes_an_action_with_what_who_and_by_when(journey_map, actor, note, editor):
    before = revision(journey_map)
    event = ops.add_action(
        actor,
        journey_map,
        touchpoint=note,
        text="  Rewrite the contract summary ",
        owner=f"member:{editor.pk}",
        due="2026-12-01",
    )
    item = ActionItem.objects.get()
    assert (item.text, item.owner_user, item.owner_name) == (
        "Rewrite the contract summary",
        editor,
        "editor",
    )
    assert (item.due, item.status, item.touchpoint_id) == (date(2026, 12, 1), "open", note)
    assert event.type == "action.added" and event.revision == before + 1
    assert event.payload == {"action": action_data(item)}
    assert event.payload["action"]["owner"] == f"member:{editor.pk}"
    assert event.payload["action"]["due"] == "2026-12-01"


def test_an_action_needs_no_owner_or_date_at_first(journey_map, actor, note):
    ops.add_action(actor, journey_map, touchpoint=note, text="Find out why")
    item = ActionItem.objects.get()
    assert (item.owner_user, item.owner_participant, item.owner_name, item.due) == (
        None,
        None,
        "",
        None,
    )


def test_an_update_changes_owner_date_and_status_in_one_event(journey_map, actor, action, owner):
    event = ops.update_action(
        actor, journey_map, action, owner=f"member:{owner.pk}", due="", status="doing"
    )
    item = ActionItem.objects.get(pk=action)
    assert (item.owner_user, item.owner_name, item.due, item.status) == (
        owner,
        "owner",
        None,
        "doing",
    )
    assert item.version == 1  # only a text edit makes a new version
    assert event.type == "action.updated" and event.payload == {"action": action_data(item)}


def test_an_empty_owner_takes_the_owner_off(journey_map, actor, action):
    ops.update_action(actor, journey_map, action, owner="")
    item = ActionItem.objects.get(pk=action)
    assert (item.owner_user, item.owner_name) == (None, "")


def test_a_text_edit_based_on_an_older_version_is_a_conflict_and_changes_nothing(
    journey_map, actor, action
):
    ops.update_action(actor, journey_map, action, text="Shorten the contract", base_version=1)
    before = revision(journey_map)
    with pytest.raises(ops.OperationError) as refused:
        ops.update_action(actor, journey_map, action, text="Mine", base_version=1)
    assert refused.value.code == "conflict"
    assert refused.value.details["current"]["text"] == "Shorten the contract"
    assert refused.value.details["current"]["version"] == 2
    assert ActionItem.objects.get(pk=action).text == "Shorten the contract"
    assert revision(journey_map) == before


def test_deleting_an_action_says_what_it_was(journey_map, actor, action):
    was = action_data(ActionItem.objects.get(pk=action))
    event = ops.delete_action(actor, journey_map, action)
    assert not ActionItem.objects.exists()
    assert event.type == "action.deleted" and event.payload == {"id": action, "action": was}


def test_a_notes_actions_go_with_it(journey_map, actor, note, action):
    ops.delete_touchpoint(actor, journey_map, note)
    assert not ActionItem.objects.exists()


def test_the_snapshot_carries_the_actions(journey_map, action):
    snapshot = map_snapshot(journey_map)
    assert snapshot["actions"] == [action_data(ActionItem.objects.get(pk=action))]


# --- owners ------------------------------------------------------------------------------


def test_an_owner_must_be_a_member_of_this_map(journey_map, actor, note, outsider):
    ops.create_map(ops.Actor.for_user(outsider), title="Outsider's own", stage_names=["A"])
    for owner in (f"member:{outsider.pk}", "member:999999"):
        with pytest.raises(ops.OperationError) as refused:
            ops.add_action(actor, journey_map, touchpoint=note, text="x", owner=owner)
        assert refused.value.code == "not_found", owner
    assert not ActionItem.objects.exists()


def test_a_viewer_of_the_map_may_own_an_action(journey_map, actor, note, viewer):
    """Owning an action is being accountable, not editing the map."""
    ops.add_action(actor, journey_map, touchpoint=note, text="x", owner=f"member:{viewer.pk}")
    assert ActionItem.objects.get().owner_name == "viewer"


# --- ids of another map ----------------------------------------------------------------------


def test_ids_of_another_map_are_not_found(journey_map, actor, note, action):
    other = ops.create_map(actor, title="Other", stage_names=["Elsewhere"])
    theirs = ops.add_touchpoint(actor, other, stage=other.stages.get().pk, text="Theirs")
    their_note = theirs.payload["touchpoint"]["id"]
    their_action = ops.add_action(actor, other, touchpoint=their_note, text="Theirs")
    their_id = their_action.payload["action"]["id"]
    for attempt in (
        lambda: ops.add_action(actor, journey_map, touchpoint=their_note, text="x"),
        lambda: ops.update_action(actor, journey_map, their_id, text="mine"),
        lambda: ops.delete_action(actor, journey_map, their_id),
        lambda: ops.update_action(actor, other, action, status="done"),
    ):
        with pytest.raises(ops.OperationError) as refused:
            attempt()
        assert refused.value.code == "not_found"
    assert ActionItem.objects.get(pk=their_id).text == "Theirs"
    assert ActionItem.objects.get(pk=action).status == "open"


# --- hostile input -------------------------------------------------------------------------

BAD_FIELDS = [
    ("text", 1, "invalid"),
    ("text", ["x"], "invalid"),
    ("text", {"x": 1}, "invalid"),
    ("text", True, "invalid"),
    ("text", None, "invalid"),
    ("text", "   ", "invalid"),
    ("text", "x" * 281, "too_long"),
    ("text", "\ud800", "invalid"),
    ("owner", 5, "invalid"),
    ("owner", ["member:1"], "invalid"),
    ("owner", "member:", "invalid"),
    ("owner", "member:abc", "invalid"),
    ("owner", "member:-1", "invalid"),
    ("owner", "member:0", "invalid"),
    ("owner", "member:01", "invalid"),
    ("owner", "member:１", "invalid"),  # a full-width digit
    ("owner", "member:1 ", "invalid"),
    ("owner", "admin:1", "invalid"),
    ("owner", "member:" + "9" * 30, "invalid"),
    ("owner", "x" * 100_000, "invalid"),
    ("owner", "participant:999999", "not_found"),
    ("due", 20261201, "invalid"),
    ("due", ["2026-12-01"], "invalid"),
    ("due", "2026-13-01", "invalid"),
    ("due", "2026-02-30", "invalid"),
    ("due", "20261201", "invalid"),
    ("due", "2026-12-01T10:00", "invalid"),
    ("due", "1999-12-31", "invalid"),
    ("due", "3000-01-01", "invalid"),
    ("due", "٢٠٢٦-١٢-٠١", "invalid"),  # Arabic-Indic digits
    ("due", "x" * 100_000, "invalid"),
    ("status", "closed", "invalid"),
    ("status", 1, "invalid"),
    ("status", None, "invalid"),
    ("status", ["open"], "invalid"),
]


@pytest.mark.parametrize(("field", "value", "code"), BAD_FIELDS)
def test_every_bad_field_is_refused_on_add_and_update_and_nothing_changes(
    journey_map, actor, note, action, field, value, code
):
    before = (revision(journey_map), action_data(ActionItem.objects.get()))
    fields = {"text": "An action", field: value}
    with pytest.raises(ops.OperationError) as refused:
        ops.add_action(actor, journey_map, touchpoint=note, **fields)
    assert refused.value.code == code
    with pytest.raises(ops.OperationError) as refused:
        ops.update_action(actor, journey_map, action, **{field: value})
    assert refused.value.code == code
    after = (revision(journey_map), action_data(ActionItem.objects.get()))
    assert after == before


def test_nul_characters_are_taken_out_of_the_text(journey_map, actor, note):
    ops.add_action(actor, journey_map, touchpoint=note, text="Call\x00 back")
    assert ActionItem.objects.get().text == "Call back"


def test_a_base_version_that_is_no_number_is_refused(journey_map, actor, action):
    with pytest.raises(ops.OperationError) as refused:
        ops.update_action(actor, journey_map, action, text="y", base_version="1")
    assert refused.value.code == "invalid"


# --- the map page -------------------------------------------------------------------------


def post(client, name: str, journey_map, data: dict):
    return client.post(reverse(name, args=[journey_map.pk]), data, **HTMX)


EDITS = {
    "action_add": lambda note, action: {"touchpoint": note, "text": "Call them", "due": ""},
    "action_update": lambda note, action: {
        "action": action,
        "text": "Call them back",
        "base_version": "1",
        "status": "done",
    },
    "action_delete": lambda note, action: {"action": action},
}


@pytest.mark.parametrize("name", EDITS)
@pytest.mark.parametrize("member", ["owner", "editor"])
def test_owners_and_editors_change_actions_from_the_map_page(
    client, journey_map, note, action, request, name, member
):
    client.force_login(request.getfixturevalue(member))
    before = revision(journey_map)
    response = post(client, name, journey_map, EDITS[name](note, action))
    assert response.status_code == 200, response.content
    event = last_event(journey_map)
    assert event.revision == before + 1 and event.actor_name == member
    assert event.type == {"action_add": "action.added", "action_update": "action.updated"}.get(
        name, "action.deleted"
    )
    assert f'data-revision="{event.revision}"' in response.content.decode()


@pytest.mark.parametrize("name", EDITS)
def test_a_viewer_cannot_change_actions(client, journey_map, note, action, viewer, name):
    client.force_login(viewer)
    before = revision(journey_map)
    assert post(client, name, journey_map, EDITS[name](note, action)).status_code == 403
    assert revision(journey_map) == before


@pytest.mark.parametrize("name", EDITS)
def test_an_outsider_gets_404_for_every_action_edit(
    client, journey_map, note, action, outsider, name
):
    client.force_login(outsider)
    before = revision(journey_map)
    assert post(client, name, journey_map, EDITS[name](note, action)).status_code == 404
    assert revision(journey_map) == before


@pytest.mark.parametrize("name", EDITS)
def test_nobody_signed_out_changes_actions(client, journey_map, note, action, name):
    before = revision(journey_map)
    assert post(client, name, journey_map, EDITS[name](note, action)).status_code == 302
    assert revision(journey_map) == before


def test_a_refused_edit_says_why_and_saves_nothing(client, journey_map, note, editor):
    client.force_login(editor)
    response = post(client, "action_add", journey_map, {"touchpoint": note, "text": "x" * 281})
    assert response.status_code == 422
    assert "limited to 280 characters" in response.content.decode()
    assert not ActionItem.objects.exists()


def test_the_map_page_lists_who_does_what_by_when(client, journey_map, note, action, viewer):
    client.force_login(viewer)
    html = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert f'data-action="{action}"' in html and f'data-action-touchpoint="{note}"' in html
    assert "Rewrite the contract summary" in html
    assert 'datetime="2026-12-01"' in html and ">editor<" in html
    # A viewer reads; the forms are for editors.
    assert 'data-operation="action.add"' not in html
    assert 'data-operation="action.update"' not in html


def test_editors_get_the_forms_with_the_current_owner_chosen(
    client, journey_map, note, action, editor
):
    client.force_login(editor)
    html = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert 'data-operation="action.add"' in html and 'data-operation="action.update"' in html
    assert f'<option value="member:{editor.pk}" selected>editor</option>' in html
    assert f'<option value="{note}">Signs a long contract</option>' in html


def test_an_owner_not_offered_is_kept_when_the_form_is_saved(
    client, journey_map, note, action, editor, owner
):
    """An owner the map page does not offer (a workshop's guest, an imported name, a member
    who left) shows as a disabled choice, which a browser does not send: saving keeps it."""
    ActionItem.objects.filter(pk=action).update(
        owner_user=None, owner_participant=None, owner_name="Imported Ann"
    )
    client.force_login(owner)
    html = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    assert '<option value="" disabled selected>Imported Ann (kept)</option>' in html
    # What the browser posts for that form: no owner.
    post(
        client, "action_update", journey_map, {"action": action, "text": "Same", "status": "doing"}
    )
    item = ActionItem.objects.get(pk=action)
    assert (item.owner_name, item.status) == ("Imported Ann", "doing")

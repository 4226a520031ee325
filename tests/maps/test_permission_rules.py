"""maps.permissions as a table: what each role may do, and what a non-member is told."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from maps.models import Persona
from maps.permissions import can, get_map_for_user, role_for

pytestmark = pytest.mark.django_db

# role → the needs it meets
MAY = {
    "owner": {"view", "edit", "own"},
    "editor": {"view", "edit"},
    "viewer": {"view"},
    None: set(),
}


@pytest.mark.parametrize("role", list(MAY))
@pytest.mark.parametrize("need", ["view", "edit", "own"])
def test_each_role_meets_exactly_its_own_needs_and_those_below(role, need):
    assert can(role, need) is (need in MAY[role])


def test_a_members_role_is_read_from_its_membership(journey_map, owner, editor, viewer, outsider):
    assert role_for(owner, journey_map) == "owner"
    assert role_for(editor, journey_map) == "editor"
    assert role_for(viewer, journey_map) == "viewer"
    assert role_for(outsider, journey_map) is None
    assert role_for(AnonymousUser(), journey_map) is None


@pytest.mark.parametrize("member", ["owner", "editor", "viewer"])
def test_every_member_may_view_by_default_and_gets_the_map_with_the_persona(
    journey_map, member, request, django_assert_num_queries
):
    journey_map.persona = Persona.objects.create(owner=journey_map.created_by, name="Pat")
    journey_map.save(update_fields=["persona"])
    user = request.getfixturevalue(member)
    found, role = get_map_for_user(user, journey_map.pk)
    assert (found.pk, role) == (journey_map.pk, member)
    with django_assert_num_queries(0):
        assert found.persona.name == "Pat"  # loaded with the map: no query per page


def test_a_missing_map_and_a_stranger_get_the_same_404(journey_map, outsider):
    with pytest.raises(Http404):
        get_map_for_user(outsider, journey_map.pk, "view")
    with pytest.raises(Http404):
        get_map_for_user(outsider, journey_map.pk + 1000, "view")
    with pytest.raises(Http404):
        get_map_for_user(AnonymousUser(), journey_map.pk, "view")


def test_a_member_below_the_need_is_refused_not_hidden(journey_map, viewer, editor):
    with pytest.raises(PermissionDenied):
        get_map_for_user(viewer, journey_map.pk, "edit")
    with pytest.raises(PermissionDenied):
        get_map_for_user(editor, journey_map.pk, "own")

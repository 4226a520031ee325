"""Who sees what: members see their maps, outsiders learn nothing (404)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from maps.permissions import get_map_for_user

pytestmark = pytest.mark.django_db


def test_board_requires_login(client, journey_map):
    response = client.get(reverse("board", args=[journey_map.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("member", ["owner", "editor", "viewer"])
def test_members_see_the_board(client, journey_map, member, request):
    client.force_login(request.getfixturevalue(member))
    response = client.get(reverse("board", args=[journey_map.pk]))
    assert response.status_code == 200
    assert b"Onboarding" in response.content


def test_outsider_gets_404_as_if_the_map_did_not_exist(client, journey_map, outsider):
    client.force_login(outsider)
    assert client.get(reverse("board", args=[journey_map.pk])).status_code == 404
    assert client.get(reverse("board", args=[journey_map.pk + 1000])).status_code == 404


def test_roles_rank_owner_over_editor_over_viewer(journey_map, owner, editor, viewer, outsider):
    assert get_map_for_user(owner, journey_map.pk, "own")[1] == "owner"
    assert get_map_for_user(editor, journey_map.pk, "edit")[1] == "editor"
    with pytest.raises(PermissionDenied):
        get_map_for_user(editor, journey_map.pk, "own")
    with pytest.raises(PermissionDenied):
        get_map_for_user(viewer, journey_map.pk, "edit")
    with pytest.raises(Http404):
        get_map_for_user(outsider, journey_map.pk, "view")


def test_home_lists_only_my_maps(client, journey_map, outsider, owner):
    client.force_login(owner)
    assert b"Onboarding" in client.get(reverse("home")).content
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert b"Onboarding" not in response.content
    assert b"no journey maps yet" in response.content


def test_map_text_is_escaped_on_the_board(client, owner):
    from maps import operations as ops

    jm = ops.create_map(
        ops.Actor.for_user(owner), title="<script>alert(1)</script>", stage_names=["<b>x</b>"]
    )
    client.force_login(owner)
    content = client.get(reverse("board", args=[jm.pk])).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "&lt;b&gt;x&lt;/b&gt;" in content

"""Members: the owner invites existing accounts by username or email, changes roles, removes;
each change is one event; nobody else manages members."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maps.models import MapEvent, MapMembership

pytestmark = pytest.mark.django_db


def url(journey_map) -> str:
    return reverse("map_members", args=[journey_map.pk])


def last_event(journey_map) -> MapEvent:
    return MapEvent.objects.filter(map=journey_map).latest("revision")


@pytest.mark.parametrize(
    ("member", "status"), [("owner", 200), ("editor", 200), ("viewer", 200), ("outsider", 404)]
)
def test_members_page_by_role(client, journey_map, request, member, status):
    client.force_login(request.getfixturevalue(member))
    response = client.get(url(journey_map))
    assert response.status_code == status
    if status == 200:
        assert b"viewer" in response.content


def test_only_the_owner_sees_the_invite_form(client, journey_map, editor):
    client.force_login(editor)
    assert b"Invite someone" not in client.get(url(journey_map)).content


@pytest.mark.parametrize("who", ["newbie", "NEWBIE@example.com"])
def test_owner_invites_by_username_or_email(client, journey_map, owner, make_user, who):
    newbie = make_user("newbie")
    client.force_login(owner)
    response = client.post(url(journey_map), {"action": "add", "who": who, "role": "editor"})
    assert response.status_code == 302
    assert MapMembership.objects.get(map=journey_map, user=newbie).role == "editor"
    event = last_event(journey_map)
    assert (event.type, event.payload) == (
        "member.added",
        {"user": newbie.pk, "username": "newbie", "role": "editor"},
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"who": "nobody", "role": "viewer"}, "No account with that username or email"),
        ({"who": "viewer", "role": "viewer"}, "already a member"),
        ({"who": "outsider", "role": "owner"}, "Select a valid choice"),
        ({"who": "", "role": "viewer"}, "This field is required"),
    ],
)
def test_bad_invites_are_refused(client, journey_map, owner, outsider, data, message):
    client.force_login(owner)
    before = MapMembership.objects.count()
    response = client.post(url(journey_map), {"action": "add", **data})
    assert response.status_code == 422 and message in response.content.decode()
    assert MapMembership.objects.count() == before


@pytest.mark.parametrize("member", ["editor", "viewer"])
def test_only_the_owner_changes_members(client, journey_map, outsider, request, member):
    client.force_login(request.getfixturevalue(member))
    data = {"action": "add", "who": "outsider", "role": "editor"}
    assert client.post(url(journey_map), data).status_code == 403
    assert not MapMembership.objects.filter(user=outsider).exists()


def test_owner_changes_a_role(client, journey_map, owner, viewer):
    client.force_login(owner)
    client.post(url(journey_map), {"action": "role", "user": viewer.pk, "role": "editor"})
    assert MapMembership.objects.get(map=journey_map, user=viewer).role == "editor"
    event = last_event(journey_map)
    assert (event.type, event.payload["role"]) == ("member.updated", "editor")


def test_owner_removes_a_member_who_then_gets_404(client, journey_map, owner, viewer):
    client.force_login(owner)
    client.post(url(journey_map), {"action": "remove", "user": viewer.pk})
    event = last_event(journey_map)
    assert (event.type, event.payload["user"]) == ("member.removed", viewer.pk)
    client.force_login(viewer)
    assert client.get(reverse("board", args=[journey_map.pk])).status_code == 404


def test_the_owner_cannot_be_demoted_or_removed(client, journey_map, owner):
    client.force_login(owner)
    for data in (
        {"action": "role", "user": owner.pk, "role": "viewer"},
        {"action": "remove", "user": owner.pk},
    ):
        response = client.post(url(journey_map), data)
        assert response.status_code == 422 and b"owner" in response.content
    assert MapMembership.objects.get(map=journey_map, user=owner).role == "owner"


def test_a_user_of_another_map_cannot_be_changed_here(client, journey_map, owner, outsider):
    client.force_login(owner)
    response = client.post(url(journey_map), {"action": "remove", "user": outsider.pk})
    assert response.status_code == 422 and b"not a member" in response.content

"""Workshop pages: open on a map, join by code or link, the live board and its fragment."""

from __future__ import annotations

from django.urls import path

from . import discussion_views, home, views

urlpatterns = [
    path("", home.home, name="home"),
    path("maps/<int:map_id>/workshops/", views.map_workshops, name="map_workshops"),
    path("maps/<int:map_id>/workshops/open/", views.open_view, name="workshop_open"),
    path("join/", views.enter_code, name="workshop_enter_code"),
    path("w/<str:code>/join/", views.join, name="workshop_join"),
    path("w/<str:code>/", views.live, name="workshop_live"),
    path("w/<str:code>/board/", views.board_fragment, name="workshop_board"),
    path("w/<str:code>/present/", views.present, name="workshop_present"),
    # The live page's own requests go by id: they keep working after a new join code.
    path(
        "workshops/<int:workshop_id>/board/",
        views.board_fragment_by_id,
        name="workshop_board_by_id",
    ),
    path("workshops/<int:workshop_id>/history/", views.history_by_id, name="workshop_history"),
    path("workshops/<int:workshop_id>/join-qr.svg", views.join_qr, name="workshop_join_qr"),
    path(
        "workshops/<int:workshop_id>/discussion/thread/",
        discussion_views.thread,
        name="workshop_thread",
    ),
    path(
        "workshops/<int:workshop_id>/discussion/people/",
        discussion_views.people,
        name="workshop_people",
    ),
    path(
        "workshops/<int:workshop_id>/snapshot.json",
        views.snapshot_by_id,
        name="workshop_snapshot",
    ),
]

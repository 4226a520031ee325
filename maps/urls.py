from django.urls import path

from . import discussion_views, history_views, inbox_views, persona_views, segment_views, views

urlpatterns = [
    path("personas/", persona_views.persona_list, name="persona_list"),
    path("personas/new/", persona_views.persona_create, name="persona_create"),
    path("personas/<int:persona_id>/", persona_views.persona_edit, name="persona_edit"),
    path("personas/<int:persona_id>/delete/", persona_views.persona_delete, name="persona_delete"),
    path("maps/new/", views.map_create, name="map_create"),
    path("maps/<int:map_id>/", views.board, name="board"),
    path("maps/<int:map_id>/settings/", views.map_settings, name="map_settings"),
    path("maps/<int:map_id>/duplicate/", views.map_duplicate, name="map_duplicate"),
    path("maps/<int:map_id>/future/", views.map_future, name="map_future"),
    path("maps/<int:map_id>/delete/", views.map_delete, name="map_delete"),
    path("maps/<int:map_id>/members/", views.map_members, name="map_members"),
    # Board edits (htmx): ids travel in the form, so the board reverses each URL once.
    path("maps/<int:map_id>/stages/add/", views.stage_add, name="stage_add"),
    path("maps/<int:map_id>/stages/form/", views.stage_form, name="stage_form"),
    path("maps/<int:map_id>/stages/update/", views.stage_update, name="stage_update"),
    path("maps/<int:map_id>/stages/move/", views.stage_move, name="stage_move"),
    path(
        "maps/<int:map_id>/stages/delete-form/", views.stage_delete_form, name="stage_delete_form"
    ),
    path("maps/<int:map_id>/stages/delete/", views.stage_delete, name="stage_delete"),
    path("maps/<int:map_id>/notes/add/", views.note_add, name="note_add"),
    path("maps/<int:map_id>/notes/form/", views.note_form, name="note_form"),
    path("maps/<int:map_id>/notes/update/", views.note_update, name="note_update"),
    path("maps/<int:map_id>/notes/move/", views.note_move, name="note_move"),
    path("maps/<int:map_id>/notes/group/", views.note_group, name="note_group"),
    path("maps/<int:map_id>/notes/delete/", views.note_delete, name="note_delete"),
    path("maps/<int:map_id>/board/operate/", views.board_operate, name="board_operate"),
    # Its personas (issue 20).
    path("maps/<int:map_id>/personas/form/", segment_views.persona_form, name="map_persona_form"),
    path("maps/<int:map_id>/personas/add/", segment_views.persona_add, name="map_persona_add"),
    path(
        "maps/<int:map_id>/personas/remove/",
        segment_views.persona_remove,
        name="map_persona_remove",
    ),
    path(
        "maps/<int:map_id>/personas/primary/",
        segment_views.persona_primary,
        name="map_persona_primary",
    ),
    path("maps/<int:map_id>/stages/feel/", segment_views.stage_feel, name="stage_feel"),
    path("maps/<int:map_id>/notes/scope/", segment_views.note_scope, name="note_scope"),
    path("maps/<int:map_id>/actions/add/", views.action_add, name="action_add"),
    path("maps/<int:map_id>/actions/update/", views.action_update, name="action_update"),
    path("maps/<int:map_id>/actions/delete/", views.action_delete, name="action_delete"),
    path("maps/<int:map_id>/undo/", views.undo, name="map_undo"),
    path("maps/<int:map_id>/redo/", views.redo, name="map_redo"),
    path("maps/<int:map_id>/history/", history_views.map_history, name="map_history"),
    # The conversation (comments, mentions, reactions) and the account's inbox.
    path("maps/<int:map_id>/discussion/thread/", discussion_views.thread, name="map_thread"),
    path("maps/<int:map_id>/discussion/people/", discussion_views.people, name="map_people"),
    path(
        "maps/<int:map_id>/discussion/operate/",
        discussion_views.operate,
        name="map_discussion_operate",
    ),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/read/", inbox_views.read, name="inbox_read"),
    path("inbox/count/", inbox_views.unread_count, name="inbox_count"),
]

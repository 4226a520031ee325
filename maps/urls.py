from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("maps/<int:map_id>/", views.board, name="board"),
]

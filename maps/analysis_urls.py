"""URLs of the heat-map analysis and the customer feedback import."""

from __future__ import annotations

from django.urls import path

from . import analysis_views

urlpatterns = [
    path("maps/<int:map_id>/analysis/", analysis_views.analysis, name="map_analysis"),
    path(
        "maps/<int:map_id>/feedback/import/",
        analysis_views.feedback_import,
        name="map_feedback_import",
    ),
]

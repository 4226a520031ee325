"""URLs of what a map turns into: the analysis, customer feedback, the current vs future
comparison, exports and imports."""

from __future__ import annotations

from django.urls import path

from . import analysis_views, export_views, segment_views, version_views, workshop_views

urlpatterns = [
    # A closed workshop's result, for its members (guests included).
    path(
        "workshops/<int:workshop_id>/report.pdf", workshop_views.workshop_pdf, name="workshop_pdf"
    ),
    path(
        "workshops/<int:workshop_id>/analysis/",
        workshop_views.workshop_analysis,
        name="workshop_analysis",
    ),
    path("maps/<int:map_id>/analysis/", analysis_views.analysis, name="map_analysis"),
    path(
        "maps/<int:map_id>/feedback/import/",
        analysis_views.feedback_import,
        name="map_feedback_import",
    ),
    path("maps/<int:map_id>/compare/", analysis_views.map_compare, name="map_compare"),
    path("maps/<int:map_id>/versions/", version_views.versions, name="map_versions"),
    path(
        "maps/<int:map_id>/versions/compare/",
        version_views.version_compare,
        name="map_version_compare",
    ),
    path(
        "maps/<int:map_id>/versions/<int:version_id>/restore/",
        version_views.version_restore,
        name="map_version_restore",
    ),
    path(
        "maps/<int:map_id>/segments/",
        segment_views.compare_segments_view,
        name="map_segments",
    ),
    path("maps/<int:map_id>/export.pdf", export_views.map_pdf, name="map_pdf"),
    path("maps/<int:map_id>/export.json", export_views.map_json, name="map_json"),
    path("maps/<int:map_id>/export.csv", export_views.map_csv, name="map_csv"),
    path("maps/import/", export_views.map_import, name="map_import"),
    path("maps/<int:map_id>/import.csv", export_views.map_import_csv, name="map_import_csv"),
    path("maps/<int:map_id>/actions.csv", export_views.map_actions_csv, name="map_actions_csv"),
    path(
        "maps/<int:map_id>/actions/import.csv",
        export_views.map_import_actions_csv,
        name="map_import_actions_csv",
    ),
]

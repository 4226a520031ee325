from django.urls import path

from . import export_views

urlpatterns = [
    path("maps/<int:map_id>/export.pdf", export_views.map_pdf, name="map_pdf"),
    path("maps/<int:map_id>/export.json", export_views.map_json, name="map_json"),
    path("maps/<int:map_id>/export.csv", export_views.map_csv, name="map_csv"),
    path("maps/import/", export_views.map_import, name="map_import"),
    path("maps/<int:map_id>/import.csv", export_views.map_import_csv, name="map_import_csv"),
]

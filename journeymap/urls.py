from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("maps.urls")),
    path("", include("maps.analysis_urls")),
    path("", include("maps.export_urls")),
    path("", include("workshops.urls")),
    path("accounts/", include("journeymap.accounts")),
    path("admin/", admin.site.urls),
]

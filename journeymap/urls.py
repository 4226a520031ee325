from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("maps.urls")),
    path("", include("reports.urls")),
    path("", include("workshops.urls")),
    path("accounts/", include("journeymap.accounts")),
    path("admin/", admin.site.urls),
]

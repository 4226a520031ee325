"""Accounts for facilitators and managers: sign up, log in, log out. Guests need none."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from .ratelimit import rate_limited


@rate_limited("signup", setting="SIGNUP_RATE_LIMIT", window=3600)
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


class LogoutView(auth_views.LogoutView):
    """Log out, and forget this browser's other cookies of the app too: a workshop place (a
    guest's cookie) outlived the logout, so the next person at a shared computer spoke as the
    last one in their workshops. Each is deleted by name. (Not `Clear-Site-Data: "cookies"`:
    it clears the whole registrable domain's cookies, other apps on sibling subdomains too.)"""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        kept = {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
        cookies = [name for name in request.COOKIES if name not in kept]
        response = super().post(request, *args, **kwargs)
        for name in cookies:
            response.delete_cookie(name, samesite="Lax")
        return response


urlpatterns = [
    path("signup/", signup, name="signup"),
    path(
        "login/",
        rate_limited("login", setting="LOGIN_RATE_LIMIT", window=300)(
            auth_views.LoginView.as_view(redirect_authenticated_user=True)
        ),
        name="login",
    ),
    path("logout/", LogoutView.as_view(), name="logout"),
]

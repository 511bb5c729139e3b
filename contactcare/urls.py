from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from . import converters, views
from .login import LoginForm

converters.register()  # before the apps' URLconfs below are included: they use <id:…>

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("customers/", include("contacts.urls")),
    path("", include("followups.urls")),
    path("reports/", include("reports.urls")),
    path("webhooks/", include("contactcare.webhook_urls")),
    path("api/", include("api.urls")),
    path("calls/", include("cti.urls")),
    path("coaching/", include("coaching.urls")),  # issue 14
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Open to anonymous users too: the login page has a language switch.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]

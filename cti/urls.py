from django.urls import path

from . import views

app_name = "cti"

urlpatterns = [
    path("", views.caller_log, name="caller-log"),
    # The telephone system's endpoint: the token is the key (Zammad's generic CTI push interface).
    path("events/<str:token>/", views.call_events, name="events"),
    path("line/", views.line_list, name="line-list"),
    path("simulate/", views.simulate, name="simulate"),
]

"""The managers' webhooks page (issue 12), under /webhooks/."""

from django.urls import path

from . import webhook_views as views

app_name = "webhooks"

urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("new/", views.webhook_create, name="create"),
    path("<id:pk>/", views.webhook_detail, name="detail"),
    path("<id:pk>/edit/", views.webhook_edit, name="edit"),
    path("<id:pk>/rotate/", views.webhook_rotate, name="rotate"),
    path("<id:pk>/pause/", views.webhook_pause, name="pause"),
    path("<id:pk>/resume/", views.webhook_resume, name="resume"),
    path("<id:pk>/delete/", views.webhook_delete, name="delete"),
    path("<id:pk>/test/", views.webhook_test, name="test"),
    path("deliveries/<id:pk>/retry/", views.delivery_retry, name="delivery-retry"),
]

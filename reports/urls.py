from django.urls import path

from . import chafes_views, views

app_name = "reports"

urlpatterns = [
    path("weekly/", views.weekly, name="weekly"),
    path("weekly.csv", views.weekly_csv, name="weekly-csv"),
    path("weekly.xlsx", views.weekly_xlsx, name="weekly-xlsx"),
    path("contacts.csv", views.contacts_csv, name="contacts-csv"),
    path("chafes/", chafes_views.chafes_page, name="chafes"),
    path("chafes/contacts/", chafes_views.chafe_contacts, name="chafe-contacts"),
]

from django.urls import path

from . import views

app_name = "coaching"

urlpatterns = [
    path("cards/", views.team_cards, name="cards"),
    path("my-card/", views.my_card, name="my-card"),
    path("people/<id:pk>/items/", views.card_items, name="card-items"),
    path("say-you-see-it/", views.say_you_see_it, name="say-you-see-it"),
    path("people/<id:pk>/thank/", views.thank_you_send, name="thank-you"),
    path("notes/", views.my_notes, name="my-notes"),
    path("notes/<id:pk>/seen/", views.note_seen, name="note-seen"),
]

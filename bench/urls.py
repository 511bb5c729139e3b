"""Bench only: the product's URLs plus two floors, to show what every page pays before its own work.

- `/bench/floor/`: an authenticated request that does nothing: the middleware,
  the session and the user (with permissions), and an empty response;
- `/bench/floor/layout/`: the same plus the product's layout (base.html: the top
  bar, its counts, the menus) around an empty page.

A page's time ÷ its SQL can be no better than these floors' (README, Measured).
Never in the product's URLconf: nobody needs an empty page.
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from contactcare.urls import urlpatterns as product

_EMPTY_PAGE = engines["django"].from_string('{% extends "base.html" %}{% block title %}Floor{% endblock %}')


def floor(request):
    request.user.get_all_permissions()  # what the role checks of any page ask (cached on the user)
    return HttpResponse(b"", content_type="text/plain")


def floor_layout(request):
    return HttpResponse(_EMPTY_PAGE.render({}, request))


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/floor/layout/", floor_layout),
    *product,
]

"""Websocket routes (contactcare.asgi): one socket per open tab, for the screen-pop."""

from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/calls/", consumers.CallPopConsumer.as_asgi(), name="ws-calls"),
]

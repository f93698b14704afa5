"""Responses and questions (views_responses.py)."""

from django.urls import path

from apps.opportunities import views_responses

urlpatterns = [
    path("<int:pk>/respond/", views_responses.respond, name="respond"),
    path("<int:pk>/responses/", views_responses.inbox, name="inbox"),
    path("responses/<int:pk>/", views_responses.response_detail, name="response"),
    path(
        "responses/<int:pk>/status/",
        views_responses.response_transition,
        name="response_transition",
    ),
    path(
        "responses/<int:pk>/attachment/",
        views_responses.response_attachment,
        name="response_attachment",
    ),
    path("<int:pk>/questions/", views_responses.ask, name="ask"),
    path("questions/<int:pk>/answer/", views_responses.answer, name="answer"),
]

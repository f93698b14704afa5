from django.urls import path

from apps.matching import views

app_name = "matching"

urlpatterns = [
    path("opportunity/<int:pk>/", views.opportunity_matches, name="opportunity"),
]

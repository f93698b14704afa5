from django.urls import path

from apps.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("agency/", views.agency_dashboard, name="agency"),
    path("agency/<slug:chart>.csv", views.agency_csv, name="agency_csv"),
    path("intermediary/<int:pk>/", views.intermediary_dashboard, name="intermediary"),
    path(
        "intermediary/<int:pk>/<slug:chart>.csv",
        views.intermediary_csv,
        name="intermediary_csv",
    ),
    path("review/", views.review_dashboard, name="review"),
    path("review/<slug:chart>.csv", views.review_csv, name="review_csv"),
]

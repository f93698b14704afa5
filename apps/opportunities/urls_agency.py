"""Agency-side pages: dashboard, matched firms, targeting (views_agency.py)."""

from django.urls import path

from apps.opportunities import views_agency

urlpatterns = [
    path("", views_agency.agency_dashboard, name="agency_dashboard"),
    path("<int:pk>/target/", views_agency.target, name="target"),
]

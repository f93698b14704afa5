from django.urls import path

from apps.organizations import views

app_name = "organizations"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
]

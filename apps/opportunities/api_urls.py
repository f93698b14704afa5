"""Included under "api/" by portal/urls.py: the versioned API and its OpenAPI 3 schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from apps.opportunities import api

app_name = "api"

router = SimpleRouter()
router.register("opportunities", api.OpportunityViewSet, basename="opportunity")
router.register("technology-areas", api.TechnologyAreaViewSet, basename="technology-area")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]

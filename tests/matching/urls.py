"""The portal's URLs with the matching app's, for tests that run before (or after) the
project's URLconf includes them."""

from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = list(portal_urlpatterns)
if not any(getattr(pattern, "namespace", None) == "matching" for pattern in urlpatterns):
    urlpatterns.insert(0, path("matching/", include("apps.matching.urls")))

from django.contrib import admin
from django.urls import include, path

from apps.accounts import views as account_views
from apps.core import views as core_views

urlpatterns = [
    path("", include("apps.core.urls")),
    path("admin/login/", core_views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("apps.organizations.urls")),
    path("capabilities/", include("apps.capabilities.urls")),
    path("opportunities/", include("apps.opportunities.urls")),
    path("api/", include("apps.opportunities.api_urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("matching/", include("apps.matching.urls")),
    path("waivers/", include("apps.waivers.urls")),
    path("insights/", include("apps.insights.urls")),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
]

handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"

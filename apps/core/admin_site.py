from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


def user_has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class PortalAdminSite(AdminSite):
    site_header = _("Kakehashi administration")
    site_title = _("Kakehashi admin")
    index_title = _("Portal administration")

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not settings.ADMIN_REQUIRE_MFA or user_has_mfa(request.user)


class PortalAdminConfig(AdminConfig):
    default_site = "apps.core.admin_site.PortalAdminSite"

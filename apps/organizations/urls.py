from django.urls import path

from apps.organizations import views, views_network

app_name = "organizations"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("onboarding/", views.onboarding, name="onboarding"),
    path("onboarding/<int:pk>/details/", views.onboarding_details, name="onboarding_details"),
    path("onboarding/<int:pk>/pitch/", views.onboarding_pitch, name="onboarding_pitch"),
    path("organizations/new/", views.organization_create, name="create"),
    path("organizations/<int:pk>/", views.organization_detail, name="detail"),
    path("organizations/<int:pk>/edit/", views.organization_update, name="update"),
    path("organizations/<int:pk>/invite/", views.invitation_create, name="invite"),
    path("organizations/<int:pk>/join/", views.join_request_create, name="join"),
    path(
        "organizations/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    # Tokens are URL-safe base64 (secrets.token_urlsafe): nothing else reaches the database.
    path("organizations/invitations/<slug:token>/", views.invitation_accept, name="invitation"),
    path("organizations/members/<int:pk>/", views.membership_update, name="membership_update"),
    path(
        "organizations/members/<int:pk>/remove/", views.membership_remove, name="membership_remove"
    ),
    path("organizations/<int:pk>/network/", views_network.partner_list, name="partners"),
    path(
        "organizations/<int:pk>/network/import/",
        views_network.partner_import,
        name="partner_import",
    ),
    path(
        "organizations/<int:pk>/network/import/template.csv",
        views_network.partner_import_template,
        name="partner_import_template",
    ),
    path(
        "organizations/network/imports/<int:pk>/",
        views_network.partner_import_preview,
        name="partner_import_preview",
    ),
    path(
        "organizations/partners/<int:pk>/remove/",
        views_network.partner_remove,
        name="partner_remove",
    ),
    path(
        "organizations/networks/<int:pk>/leave/",
        views_network.partner_leave,
        name="partner_leave",
    ),
    path(
        "organizations/partner-invitations/<slug:token>/",
        views_network.partner_invitation,
        name="partner_invitation",
    ),
    path(
        "organizations/join-requests/<int:pk>/",
        views.join_request_decide,
        name="join_request_decide",
    ),
]

from django.urls import path

from apps.organizations import views

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
    path(
        "organizations/join-requests/<int:pk>/",
        views.join_request_decide,
        name="join_request_decide",
    ),
]

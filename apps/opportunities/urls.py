from django.urls import include, path

from apps.opportunities import feeds, views

app_name = "opportunities"

urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("feed.atom", feeds.OpportunityFeed(), name="feed"),
    path("calendar.ics", feeds.calendar, name="calendar"),
    path("new/", views.opportunity_create, name="create"),
    path("agency/", include("apps.opportunities.urls_agency")),
    path("<int:pk>/", views.opportunity_detail, name="detail"),
    path("<int:pk>/edit/", views.opportunity_edit, name="edit"),
    path("<int:pk>/status/", views.opportunity_transition, name="transition"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/follow/", views.follow_toggle, name="follow"),
    path("", include("apps.opportunities.urls_responses")),
]

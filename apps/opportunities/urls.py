from django.urls import include, path

from apps.core.pagecache import cache_anonymous_page
from apps.opportunities import feeds, receivers, views
from apps.opportunities.filters import LIST_PARAMS

app_name = "opportunities"

# The list is cached by its view; its feed and calendar, which show the same rows, here.
public_page = cache_anonymous_page(
    receivers.GENERATION, valid_until=views.public_pages_valid_until, params=LIST_PARAMS
)

urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("feed.atom", public_page(feeds.OpportunityFeed()), name="feed"),
    path("calendar.ics", public_page(feeds.calendar), name="calendar"),
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

from django.urls import path

from apps.capabilities import views

app_name = "capabilities"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("export.csv", views.export_csv, name="export"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.create, name="create"),
    path("firms/<int:pk>/", views.firm_profile, name="firm"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/unpublish/", views.unpublish, name="unpublish"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/brochure/", views.brochure, name="brochure"),
]

from django.urls import path

from apps.waivers import views

app_name = "waivers"

urlpatterns = [
    path("", views.waiver_list, name="list"),
    path("new/", views.waiver_create, name="create"),
    path("<int:pk>/", views.waiver_detail, name="detail"),
    path("<int:pk>/edit/", views.waiver_edit, name="edit"),
    path("<int:pk>/documents/", views.document_add, name="document_add"),
    path("<int:pk>/answer/", views.information_answer, name="answer"),
    path("<int:pk>/action/", views.waiver_action, name="action"),
    path("<int:pk>/letter/", views.decision_letter, name="letter"),
    path("<int:pk>/history.csv", views.history_csv, name="history_csv"),
    path("documents/<int:pk>/", views.document_download, name="document"),
]

from django.urls import path

from . import views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list, name="list"),
    path("new/", views.lead_create, name="create"),
    path("export/", views.lead_export, name="export"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/edit/", views.lead_edit, name="edit"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_map, name="import_map"),
    path("import/<int:pk>/done/", views.import_done, name="import_done"),
    path("duplicates/", views.review, name="review"),
    path("duplicates/merge/", views.merge, name="merge"),
    path("duplicates/merges/<int:pk>/undo/", views.unmerge, name="unmerge"),
    path("duplicates/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("capture/<str:key>/", views.capture, name="capture"),
]

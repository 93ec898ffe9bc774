from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.import_list, name="import-list"),
    path("imports/template/<slug:kind>/", views.import_template, name="import-template"),
    path("imports/<int:pk>/", views.import_preview, name="import-preview"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("imports/<int:pk>/undo/", views.import_undo, name="import-undo"),
]

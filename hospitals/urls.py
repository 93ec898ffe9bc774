from django.urls import path

from . import views

app_name = "hospitals"

urlpatterns = [
    path("hospitals/", views.hospital_list, name="hospital-list"),
    path("hospitals/new/", views.hospital_create, name="hospital-create"),
    path("hospitals/export/", views.hospital_export, name="hospital-export"),
    path("hospitals/pool/", views.hospital_pool, name="hospital-pool"),
    path("hospitals/<int:pk>/claim/", views.hospital_claim, name="hospital-claim"),
    path("hospitals/<int:pk>/", views.hospital_detail, name="hospital-detail"),
    path("hospitals/<int:pk>/edit/", views.hospital_edit, name="hospital-edit"),
    path("hospitals/<int:pk>/history/", views.hospital_history, name="hospital-history"),
    path(
        "hospitals/<int:hospital_pk>/departments/new/",
        views.department_create,
        name="department-create",
    ),
    path("departments/<int:pk>/edit/", views.department_edit, name="department-edit"),
    path("hospitals/<int:hospital_pk>/contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/export/", views.contact_export, name="contact-export"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/history/", views.contact_history, name="contact-history"),
    path("search/", views.search, name="search"),
    path("owners/suggest/", views.owner_suggest, name="owner-suggest"),
]

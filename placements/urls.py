from django.urls import path

from . import views

app_name = "placements"

urlpatterns = [
    path("", views.contract_list, name="contracts"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("receivables/", views.receivables, name="receivables"),
    path("statements/", views.statement_list, name="statements"),
    path("new/<int:project_pk>/", views.contract_create, name="contract-create"),
    path("<int:pk>/", views.contract_detail, name="contract"),
    path("<int:pk>/edit/", views.contract_edit, name="contract-edit"),
    path("<int:pk>/amend/", views.contract_amend, name="contract-amend"),
    path("<int:pk>/installation/", views.installation, name="installation"),
    path("<int:pk>/readings/new/", views.reading_create, name="reading-create"),
    path("<int:pk>/scan/", views.contract_scan, name="contract-scan"),
    path("<int:pk>/readings/<int:reading_pk>/photo/", views.reading_photo, name="reading-photo"),
    path("statements/<int:statement_pk>/", views.statement_detail, name="statement"),
    path(
        "statements/<int:statement_pk>/confirm/", views.statement_confirm, name="statement-confirm"
    ),
    path("statements/<int:statement_pk>/costs/", views.statement_costs, name="statement-costs"),
    path(
        "statements/<int:statement_pk>/invoice/", views.statement_invoice, name="statement-invoice"
    ),
    path("statements/<int:statement_pk>/payments/", views.statement_pay, name="statement-pay"),
    path("statements/<int:statement_pk>/<str:fmt>/", views.statement_file, name="statement-file"),
    # last: it deletes the reading (and may delete the statement) the routes above name
    path("<int:pk>/readings/<int:reading_pk>/remove/", views.reading_remove, name="reading-remove"),
]

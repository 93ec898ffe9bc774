from django.urls import path

from . import views

app_name = "relations"

urlpatterns = [
    path("relations/projects/<int:project_pk>/plan/", views.plan, name="plan"),
    path(
        "relations/projects/<int:project_pk>/plan/strategy/",
        views.plan_strategy,
        name="plan-strategy",
    ),
    path(
        "relations/projects/<int:project_pk>/plan/targets/new/",
        views.target_add,
        name="target-add",
    ),
    path(
        "relations/projects/<int:project_pk>/plan/actions/new/",
        views.action_add,
        name="action-add",
    ),
    path("relations/targets/<int:target_pk>/edit/", views.target_edit, name="target-edit"),
    path("relations/actions/<int:action_pk>/edit/", views.action_edit, name="action-edit"),
    path("relations/actions/<int:action_pk>/record/", views.action_record, name="action-record"),
    path("relations/actions/<int:action_pk>/cancel/", views.action_cancel, name="action-cancel"),
    path("relations/ledger/", views.ledger_list, name="ledger"),
    path("relations/ledger/export/", views.ledger_export, name="ledger-export"),
    path("relations/ledger/policy/", views.policy, name="policy"),
    path("relations/ledger/<int:entry_pk>/", views.ledger_detail, name="ledger-detail"),
    path("relations/ledger/<int:entry_pk>/edit/", views.ledger_edit, name="ledger-edit"),
    path("relations/ledger/<int:entry_pk>/decide/", views.ledger_decide, name="ledger-decide"),
    path(
        "relations/hospitals/<int:hospital_pk>/ledger/new/",
        views.ledger_create,
        name="ledger-create",
    ),
    # last: the route matrix posts to every route in order, and this one removes the row
    path("relations/targets/<int:target_pk>/remove/", views.target_remove, name="target-remove"),
]

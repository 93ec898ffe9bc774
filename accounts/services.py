from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, Role, User

# What each role may do, as Django permissions ("app_label.codename"). Which rows they may do it
# to is decided by each model's visible_to(); see docs/decisions/0003-visibility.md.
_EDIT_MASTER_DATA = [
    f"hospitals.{action}_{model}"
    for model in ("hospital", "department", "contact")
    for action in ("view", "add", "change")
]
_WORK_PIPELINE = [
    "pipeline.view_project",
    "pipeline.add_project",
    "pipeline.change_project",
    "pipeline.view_followup",
    "pipeline.add_followup",
    "pipeline.view_evaluation",
    "pipeline.add_evaluation",
    "visits.view_oxygensurvey",
    "visits.add_oxygensurvey",
    "visits.change_oxygensurvey",
    "visits.view_visit",
    "visits.add_visit",
    "visits.change_visit",
    "visits.view_task",
    "visits.add_task",
    "visits.change_task",
    "proposals.view_proposal",
    "proposals.add_proposal",
    "proposals.change_proposal",
    "proposals.view_economicssettings",
]
_CONFIGURE_PIPELINE = [
    f"pipeline.{action}_{model}"
    for model in ("stage", "competitor", "evaluationquestion", "pipelinesettings")
    for action in ("view", "add", "change")
]
# relationship plans and the compliance ledger (关系发展计划, 合规台账)
_KEEP_LEDGER = [
    *[
        f"relations.{action}_{model}"
        for model in ("relationshipplan", "ledgerentry")
        for action in ("view", "add", "change")
    ],
    "relations.view_ledgerkind",  # the policy: who keeps a ledger reads its limits
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.MANAGER: [*_EDIT_MASTER_DATA, *_WORK_PIPELINE, *_KEEP_LEDGER],
    Role.ASSISTANT: [
        *_EDIT_MASTER_DATA,
        "hospitals.delete_department",
        "hospitals.delete_contact",
        "hospitals.assign_owner",
        *_WORK_PIPELINE,
        "pipeline.add_competitor",
        "pipeline.change_competitor",
        "pipeline.view_competitor",
        "relations.view_relationshipplan",
    ],
    Role.DIRECTOR: [
        *_EDIT_MASTER_DATA,
        "hospitals.assign_owner",
        *_WORK_PIPELINE,
        "proposals.approve_proposal",
        *_KEEP_LEDGER,
        "relations.approve_ledgerentry",
    ],
    Role.ADMIN: [
        *_EDIT_MASTER_DATA,
        "hospitals.delete_hospital",
        "hospitals.delete_department",
        "hospitals.delete_contact",
        "hospitals.assign_owner",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_team",
        "accounts.add_team",
        "accounts.change_team",
        "accounts.view_territory",
        "accounts.add_territory",
        "accounts.change_territory",
        *_WORK_PIPELINE,
        *_CONFIGURE_PIPELINE,
        "proposals.add_economicssettings",
        *_KEEP_LEDGER,
        "relations.add_ledgerkind",
        "relations.change_ledgerkind",
    ],
    # sees everything, changes nothing (o2crm/middleware.py:read_only refuses every write)
    Role.AUDITOR: [
        *[p for p in _EDIT_MASTER_DATA if ".view_" in p],
        *[p for p in _WORK_PIPELINE if ".view_" in p],
        "relations.view_relationshipplan",
        "relations.view_ledgerentry",
        "relations.view_ledgerkind",
    ],
}


# every role reads placements (each by the visibility rule); who writes what of them
_READ_PLACEMENTS = [
    "placements.view_contract",
    "placements.view_statement",
    "placements.view_reading",
    "placements.view_payment",
]
_SIGN_CONTRACTS = ["placements.add_contract", "placements.change_contract"]
_OPERATE = ["placements.operate_contract", "placements.add_reading"]
_COLLECT = ["placements.invoice_statement", "placements.add_payment"]
for _role, _extra in (
    (Role.MANAGER, _SIGN_CONTRACTS),
    (Role.ASSISTANT, []),
    (Role.DIRECTOR, _SIGN_CONTRACTS),
    (Role.ADMIN, [*_SIGN_CONTRACTS, *_OPERATE, *_COLLECT]),
    (Role.AUDITOR, []),
):
    ROLE_PERMISSIONS[_role] += [*_READ_PLACEMENTS, *_extra]
ROLE_PERMISSIONS[Role.OPERATIONS] = [
    *[p for p in _EDIT_MASTER_DATA if ".view_" in p],
    *[p for p in _WORK_PIPELINE if ".view_" in p],
    *_READ_PLACEMENTS,
    *_SIGN_CONTRACTS,
    *_OPERATE,
]
ROLE_PERMISSIONS[Role.FINANCE] = [
    *[p for p in _EDIT_MASTER_DATA if ".view_" in p],
    *[p for p in _WORK_PIPELINE if ".view_" in p],
    *_READ_PLACEMENTS,
    *_COLLECT,
]


# Group names are data, not UI text: fixed, so they do not change with the active language.
GROUP_NAMES = {
    Role.MANAGER: "销售经理",
    Role.ASSISTANT: "销售助理",
    Role.DIRECTOR: "销售总监",
    Role.ADMIN: "管理员",
    Role.AUDITOR: "审计员",
    Role.OPERATIONS: "运营",
    Role.FINANCE: "财务",
}


def group_name(role: str) -> str:
    return GROUP_NAMES[Role(role)]


@transaction.atomic
def sync_role_groups() -> None:
    """Create one group per role holding exactly that role's permissions (the permissions
    read once: this runs after every migration and before most tests)."""
    names = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    by_name = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.filter(
            codename__in={name.split(".")[1] for name in names}
        ).values_list("pk", "content_type__app_label", "codename")
    }
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name(role))
        group.permissions.set([by_name[perm] for perm in perms if perm in by_name])


@transaction.atomic
def assign_role(*, user: User, role: str) -> User:
    """Set a user's role and make their role group match it (the one place roles change)."""
    user.role = role
    user.is_staff = role == Role.ADMIN or user.is_superuser
    user.save(update_fields=["role", "is_staff"])
    role_groups = Group.objects.filter(name__in=[group_name(r) for r in Role.values])
    user.groups.remove(*role_groups)
    group, _ = Group.objects.get_or_create(name=group_name(role))
    user.groups.add(group)
    return user


# API tokens -----------------------------------------------------------------------------------

# a token's last use is written at most this often, not on every call
TOKEN_USE_STAMP = timedelta(minutes=10)


def token_user(key: str) -> User | None:
    """The user a bearer token opens the API for, or None; notes when it was last used."""
    row = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash(key)).first()
    now = timezone.now()
    if row is None or not row.holds(now):
        return None
    if row.last_used_at is None or now - row.last_used_at > TOKEN_USE_STAMP:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def revoke_token(token: ApiToken) -> None:
    token.delete()


def revoke_tokens(user: User) -> int:
    """Every token of the user (after a password change); how many there were."""
    revoked, _rows = user.api_tokens.all().delete()
    return revoked

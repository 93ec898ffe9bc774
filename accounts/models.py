from collections.abc import Iterable
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from o2crm.keys import key_hash, new_key


class Role(models.TextChoices):
    MANAGER = "manager", _("销售经理")
    ASSISTANT = "assistant", _("销售助理")
    DIRECTOR = "director", _("销售总监")
    ADMIN = "admin", _("管理员")
    AUDITOR = "auditor", _("审计员")
    OPERATIONS = "operations", _("运营")
    FINANCE = "finance", _("财务")


# Roles that see every hospital, department and contact.
ROLES_SEEING_ALL = {
    Role.ASSISTANT,
    Role.DIRECTOR,
    Role.ADMIN,
    Role.AUDITOR,
    Role.OPERATIONS,  # serve every placement: installation, readings, statements
    Role.FINANCE,  # invoices and payments of every placement
}
# Roles that stand above every sales manager (and so see contacts' personal details).
ROLES_ABOVE_ALL = {Role.DIRECTOR, Role.ADMIN}
# Roles that read every compliance ledger (合规台账); others, the ledgers of those they oversee.
ROLES_AUDITING = {Role.DIRECTOR, Role.ADMIN, Role.AUDITOR}
# Roles that read and change nothing (o2crm/middleware.py:read_only refuses their writes).
ROLES_READ_ONLY = {Role.AUDITOR}


class Territory(models.Model):
    """A sales region: whole provinces and/or single cities ("浙江省" or "浙江省/杭州市")."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    provinces = models.JSONField(_("省份"), default=list, blank=True)
    cities = models.JSONField(_("城市"), default=list, blank=True, help_text=_("格式：省/市"))

    class Meta:
        verbose_name = _("销售区域")
        verbose_name_plural = _("销售区域")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def covers(self, province: str, city: str) -> bool:
        return province in self.provinces or f"{province}/{city}" in self.cities


class Team(models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    leader = models.ForeignKey(
        "accounts.User",
        verbose_name=_("负责人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    territory = models.ForeignKey(
        Territory, verbose_name=_("区域"), on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = _("销售团队")
        verbose_name_plural = _("销售团队")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in. `role` decides what they see; Django groups carry permissions."""

    name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role, default=Role.MANAGER)
    team = models.ForeignKey(
        Team,
        verbose_name=_("团队"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    territory = models.ForeignKey(
        Territory, verbose_name=_("区域"), on_delete=models.SET_NULL, null=True, blank=True
    )
    phone = models.CharField(_("手机"), max_length=30, blank=True)
    # set when an admin or director gives a temporary password: the next page asks for a new one
    must_change_password = models.BooleanField(_("下次登录须改密码"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    # the fields __str__ reads: load just these for menus of users
    LABEL_FIELDS = ("id", "username", "name", "first_name", "last_name")

    def __str__(self) -> str:
        return self.label(self.name, self.first_name, self.last_name, self.username)

    @staticmethod
    def label(name: str, first_name: str, last_name: str, username: str) -> str:
        """How a user is named everywhere, from LABEL_FIELDS' values (for rows read as
        values, without building the user)."""
        return name or f"{first_name} {last_name}".strip() or username

    @property
    def display_name(self) -> str:
        return str(self)

    @property
    def sees_all(self) -> bool:
        return self.is_superuser or self.role in ROLES_SEEING_ALL

    @property
    def audits(self) -> bool:
        """Reads every compliance ledger (the director, the admin, the auditor)."""
        return self.is_superuser or self.role in ROLES_AUDITING

    @property
    def read_only(self) -> bool:
        """Looks at everything and changes nothing (the auditor)."""
        return self.role in ROLES_READ_ONLY and not self.is_superuser

    @cached_property
    def _led_teams(self) -> tuple[frozenset[int], frozenset[int]]:
        """(ids of the teams this user leads, ids of their members): one query per request."""
        if not self.pk:
            return frozenset(), frozenset()
        rows = Team.objects.filter(leader=self).values_list("pk", "members__pk")
        return (
            frozenset(team for team, _ in rows),
            frozenset(member for _, member in rows if member is not None),
        )

    @property
    def led_team_ids(self) -> frozenset[int]:
        return self._led_teams[0]

    @property
    def overseen_user_ids(self) -> frozenset[int]:
        """This user and every member of a team they lead: whose hospitals a manager sees."""
        return self._led_teams[1] | {self.pk}

    def oversees(self, owner_id: int | None, owner_team_id: int | None) -> bool:
        """True when this user is the owner or stands above them (team leader, director, admin)."""
        if self.is_superuser or self.role in ROLES_ABOVE_ALL:
            return True
        if owner_id is not None and owner_id == self.pk:
            return True
        return owner_team_id is not None and owner_team_id in self.led_team_ids


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored.

    A token holds for the password it was issued under, as a login session does: it carries
    the user's session hash of that moment (derived from the password's hash), so setting a
    new password in any way — the user's own change, an admin's reset, `changepassword` —
    revokes every token issued before. Deactivating the user stops them too; and they may
    expire (API_TOKEN_DAYS)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    password_mark = models.CharField(max_length=64, default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"

    @staticmethod
    def hash(key: str) -> str:
        return key_hash(key)

    @classmethod
    def issue(cls, user: User) -> str:
        key = new_key()
        days = settings.API_TOKEN_DAYS
        cls.objects.create(
            user=user,
            key_hash=cls.hash(key),
            password_mark=user.get_session_auth_hash(),
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        return key

    def holds(self, now) -> bool:
        """Whether the token still opens the API: its user active, its password unchanged
        since it was issued, not expired."""
        return (
            self.user.is_active
            and (self.expires_at is None or self.expires_at > now)
            and constant_time_compare(self.password_mark, self.user.get_session_auth_hash())
        )


def managers_overseen(user: User, *, former: bool = False):
    """The sales managers whose rows `user` may filter by: every one for those who see
    everything, else the user and the members of the teams they lead; those who have left
    only with `former` (whose records stay, the compliance ledger's). The one rule of every
    owner menu and of the owner type-ahead."""
    people = User.objects.filter(role=Role.MANAGER)
    if not former:
        people = people.filter(is_active=True)
    if not user.sees_all:
        people = people.filter(pk__in=sorted(user.overseen_user_ids))
    return people


class Person(NamedTuple):
    """An owner as the reports print them."""

    username: str
    name: str  # the name, or the username where there is none
    team: str  # the team's name, or ""


# Past this many owners (the director's reports name every manager) the staff are read whole
# and kept in Python: the company's few hundred users cost less than the SQL of an IN list of
# 500 ids (1.4 against 4.2 ms at 40,000 hospitals).
NAMED_BY_LIST = 100


def people_named(ids: Iterable[int]) -> dict[int, Person]:
    """pk → Person for the owners a page lists: one query."""
    wanted = set(ids)
    users = User.objects.all()
    if len(wanted) <= NAMED_BY_LIST:
        users = users.filter(pk__in=sorted(wanted))
    return {
        pk: Person(username, name or username, team or "")
        for pk, username, name, team in users.values_list("pk", "username", "name", "team__name")
        if pk in wanted
    }

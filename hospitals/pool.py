"""公海: hospitals nobody owns (a public list of new and relocating hospitals, a manager's
hospitals returned). The managers of a hospital's region see it in the pool and may claim it,
up to POOL_CLAIM_LIMIT in 30 days; the assistant and the director see the whole pool and
give hospitals to a manager from its edit page. Claimed, a hospital is its owner's like any
other (the one visibility rule, decision 0003); every claim is kept."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Territory, User
from o2crm.records import save_record

from .models import Hospital, PoolClaim

CLAIM_WINDOW = timedelta(days=30)


def territory_of(user: User) -> Territory | None:
    """A manager's region: their own, or their team's."""
    if user.territory_id:
        return user.territory
    return user.team.territory if user.team_id and user.team else None


def assigns(user: User) -> bool:
    return user.has_perm("hospitals.assign_owner")


def pool_for(user: User) -> QuerySet[Hospital]:
    """The hospitals without an owner that `user` may see in the pool."""
    rows = Hospital.objects.filter(owner__isnull=True)
    if user.sees_all or assigns(user):
        return rows
    region = territory_of(user)
    if region is None:
        return rows.none()
    where = Q(province__in=region.provinces)
    for key in region.cities:
        province, _sep, city = key.partition("/")
        where |= Q(province=province, city=city)
    return rows.filter(where)


def claims_left(user: User) -> int:
    since = timezone.now() - CLAIM_WINDOW
    used = PoolClaim.objects.filter(user=user, by=user, at__gte=since).count()
    return max(0, settings.POOL_CLAIM_LIMIT - used)


@transaction.atomic
def claim(*, hospital_id: int, user: User) -> Hospital:
    """Take a hospital from the pool; refused when someone took it first or the limit is used."""
    hospital = pool_for(user).select_for_update().filter(pk=hospital_id).first()
    if hospital is None:
        raise ValidationError(_("这家医院已不在公海中（可能刚被别人认领）。"))
    if claims_left(user) <= 0:
        raise ValidationError(
            _("30 天内最多认领 %(n)s 家医院，您已用完。") % {"n": settings.POOL_CLAIM_LIMIT}
        )
    hospital.owner = user
    save_record(record=hospital, by=user)
    PoolClaim.objects.create(hospital=hospital, user=user, by=user)
    return hospital

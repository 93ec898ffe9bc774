"""The outside channels: e-mail (Django's mail settings) and group robots of 企业微信, 钉钉 and
飞书 (through apprise, which knows each service's message format and DingTalk's signing).

A notification is planned into deliveries when it is made (`plan`), by the user's 通知设置:
the kinds they turned off a channel for get nothing there, and during their quiet hours a
delivery waits until the hours end. A worker sends what is due (`send_due`: enqueued at once
and every minute by the schedule); a failure is recorded and retried after 1, 5, 30 and 120
minutes, then given up and shown to the admin. Nothing here runs in the request that caused
the notification. A robot's address never appears in an error, a log line or a page."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

import apprise
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import User
from o2crm.jobs import scheduled

from .models import Channel, Delivery, Kind, Notification, Preference, Robot

MAX_ATTEMPTS = 5
BACKOFF = [timedelta(minutes=m) for m in (1, 5, 30, 120)]
STUCK = timedelta(minutes=10)  # a delivery "sending" this long lost its worker: due again
BATCH = 200

# kinds a team's robot receives for the teams the recipient leads (the team's own business)
TEAM_KINDS = {Kind.WEEKLY_MISSING}


class DeliveryError(Exception):
    pass


def preference(user: User) -> Preference:
    """The user's 通知设置, or the defaults (unsaved) when they never changed them."""
    found = Preference.objects.filter(user=user).first()
    return found or Preference(user=user)


def released_at(pref: Preference, now: datetime) -> datetime:
    """When a message made at `now` may be pushed: now, or when the quiet hours end."""
    local = timezone.localtime(now)
    if not pref.quiet_until(local.time()) or pref.quiet_end is None:
        return now
    end = local.replace(
        hour=pref.quiet_end.hour, minute=pref.quiet_end.minute, second=0, microsecond=0
    )
    return end if end > local else end + timedelta(days=1)


def plan(note: Notification) -> list[Delivery]:
    """The deliveries of a new notification on the recipient's outside channels."""
    user = note.recipient
    pref = preference(user)
    at = released_at(pref, timezone.now())
    rows = []
    if user.email and pref.wants(note.kind, Channel.EMAIL):
        rows.append(Delivery(notification=note, channel=Channel.EMAIL, target="", next_at=at))
    if pref.wants(note.kind, Channel.ROBOT):
        robots = Robot.objects.filter(user=user)
        if note.kind in TEAM_KINDS and user.led_team_ids:
            robots = Robot.objects.filter(user=user) | Robot.objects.filter(
                team_id__in=user.led_team_ids
            )
        rows += [
            Delivery(
                notification=note, channel=Channel.ROBOT, robot=r, target=str(r.pk), next_at=at
            )
            for r in robots
        ]
    if rows:
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        send_deliveries.enqueue()
    return rows


def _text(note: Notification, url: str) -> tuple[str, str]:
    subject = _("o2crm · %(kind)s") % {"kind": Kind(note.kind).label}
    body = "\n".join([note.text, *note.lines, "", url])
    return str(subject), body


def send_email(note: Notification, url: str) -> None:
    subject, text = _text(note, url)
    html = render_to_string("reminders/email.html", {"note": note, "url": url})
    message = EmailMultiAlternatives(subject, text, to=[note.recipient.email])
    message.attach_alternative(html, "text/html")
    message.send()


def send_robot(robot: Robot, note: Notification, url: str) -> None:
    subject, text = _text(note, url)
    sender = apprise.Apprise()
    if not sender.add(robot.url):
        raise DeliveryError(_("群机器人地址无效，请重新设置。"))
    capture = apprise.LogCapture(level=logging.WARNING, fmt="%(message)s")  # type: ignore[no-untyped-call]
    with capture as log:
        ok = sender.notify(body=text, title=subject)
    if not ok:
        raise DeliveryError(scrub(log.getvalue().strip() or _("发送失败"), robot.url))


def scrub(message: str, secret: str) -> str:
    """`message` with every long piece of `secret` (a token, a key) masked."""
    for piece in re.findall(r"[A-Za-z0-9_\-]{8,}", secret):
        message = message.replace(piece, "••••")
    return message


def deliver(delivery: Delivery) -> None:
    note = delivery.notification
    url = settings.O2CRM_BASE_URL + note.url
    with translation.override(preference(note.recipient).language):
        if delivery.channel == Channel.EMAIL:
            send_email(note, url)
        elif delivery.robot is not None:
            send_robot(delivery.robot, note, url)


def send_due(now: datetime | None = None) -> int:
    """Send every delivery that is due; each is claimed first, so two workers never send the
    same one. Returns how many were sent."""
    now = now or timezone.now()
    Delivery.objects.filter(status=Delivery.Status.SENDING, next_at__lte=now - STUCK).update(
        status=Delivery.Status.PENDING
    )
    due = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_at__lte=now)
        .order_by("next_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    sent = 0
    for pk in due:
        claimed = Delivery.objects.filter(pk=pk, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENDING, attempts=F("attempts") + 1, next_at=now
        )
        if not claimed:  # another worker has it
            continue
        delivery = Delivery.objects.select_related("notification__recipient", "robot").get(pk=pk)
        if not delivery.notification.recipient.is_active:  # deactivated meanwhile: not to them
            Delivery.objects.filter(pk=pk).update(
                status=Delivery.Status.FAILED, last_error=_("收件人已停用。")
            )
            continue
        try:
            deliver(delivery)
        except Exception as error:  # recorded and retried; never raised into the worker
            secret = delivery.robot.url if delivery.robot else ""
            message = scrub(str(error), secret) if secret else str(error)
            gave_up = delivery.attempts >= MAX_ATTEMPTS
            retry = BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
            Delivery.objects.filter(pk=pk).update(
                status=Delivery.Status.FAILED if gave_up else Delivery.Status.PENDING,
                last_error=message[:2000],
                next_at=now + retry,
            )
            continue
        Delivery.objects.filter(pk=pk).update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), last_error=""
        )
        sent += 1
    return sent


@task()
def send_deliveries() -> int:
    return send_due()


@scheduled("* * * * *", name="deliveries", late=timedelta(minutes=3))
@task()
def send_deliveries_on_schedule(period: str) -> int:
    """Every minute: what waited for quiet hours to end, and the retries."""
    return send_due()


def retry(ids: list[int]) -> int:
    """Send these given-up deliveries again (the admin's action)."""
    return Delivery.objects.filter(pk__in=ids, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING, attempts=0, next_at=timezone.now()
    )

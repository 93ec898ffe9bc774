"""`{% clock p.cadence.business "business" %}`: one contact clock as the lists show it
("业务 3天前 · 逾期"). A tag, not an include: a list shows up to a hundred clocks, and an
include costs a template render each (decision 0011)."""

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pipeline import domain

register = template.Library()


@register.simple_tag
def clock(clock: domain.Clock, kind: str) -> SafeString:
    label = _("业务") if kind == "business" else _("情感")
    if clock.last:
        title = _("最近一次") + " " + date_format(clock.last, "SHORT_DATE_FORMAT")
        if clock.days_since == 0:
            text = _("今天")
        else:
            n = clock.days_since
            text = ngettext("%(n)s天前", "%(n)s天前", n) % {"n": n}
    else:
        title, text = _("从未联络，自立项起算"), _("未联络")
    if clock.overdue:
        text += " · " + _("逾期")
    late = " late" if clock.overdue else ""
    return format_html('<span class="clock{}" title="{}">{} {}</span>', late, title, label, text)

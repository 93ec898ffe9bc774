from django import template
from django.utils.translation import gettext as _

register = template.Library()

ENDS = ("？", "?", "：", ":", "！", "!", "。", ".")


@register.filter
def with_colon(label: object) -> str:
    """A label with the language's colon after it, unless it ends in punctuation already
    ("是否已立项？" stays as it is: no "？：")."""
    text = str(label)
    return text if text.endswith(ENDS) else text + _("：")

# Django's zh_Hans formats, with the thousands separator Chinese business forms use
# (1,234,567.00 as in 财务报表) instead of none. Applied by FORMAT_MODULE_PATH in settings.
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"

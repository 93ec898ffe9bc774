# English with the dates the rest of the app (and its workbooks and JSON) writes: ISO, so that
# one page never mixes 12/01/2026 with 2026-12-01 (decision 0022).
from django.conf.locale.en.formats import *  # noqa: F403

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "M j"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"]

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2crm.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 -- import every view now, not on the first request

# Everything loaded so far lives as long as the worker: move it out of the cycle collector's
# sight, so a full collection walks only what requests made (docs/decisions/0014-memory.md).
gc.freeze()

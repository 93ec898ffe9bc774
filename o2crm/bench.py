"""What the benchmark (bench/run.py) needs from the running app, switched on by O2CRM_BENCH=1:
response headers with the server-side time and the number of SQL queries of each request."""

import time

from django.db import connections


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timing_middleware(get_response):
    def middleware(request):
        counter = QueryCounter()
        started = time.perf_counter()
        with connections["default"].execute_wrapper(counter):
            response = get_response(request)
        response["X-Server-Time-Ms"] = f"{(time.perf_counter() - started) * 1000:.2f}"
        response["X-Query-Count"] = str(counter.count)
        return response

    return middleware

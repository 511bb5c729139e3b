"""Bench only: how many queries a request ran, and how long they and the whole request took.

First in the middleware chain (bench.settings), so the session, the user and the
permissions are counted too. A normal response carries the numbers in headers
(`X-Bench-Queries`, `X-Bench-SQL-ms`, `X-Bench-App-ms`); a streaming one (an
export) runs its queries while it is sent, so its numbers are appended as a JSON
line to BENCH_SQL_LOG once the last byte is out, keyed by the request's
`X-Bench-Id` header. Every request's line also names its slowest statement
(the SQL and its parameters: the bench's data is made up), for the EXPLAIN of
a row over budget.
Never in the product's settings: it is not free.
"""

import json
import os
import time

from django.db import connections


class SqlTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.log_path = os.environ.get("BENCH_SQL_LOG", "")

    def __call__(self, request):
        stats = {"queries": 0, "sql": 0.0, "top": 0.0, "top_sql": "", "top_params": []}

        def wrapper(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                took = time.perf_counter() - started
                stats["sql"] += took
                stats["queries"] += 1
                if took > stats["top"]:
                    stats["top"], stats["top_sql"] = took, sql[:20000]
                    stats["top_params"] = [_plain(p) for p in params] if isinstance(params, list | tuple) else []

        wrapped = list(connections.all())
        for conn in wrapped:
            conn.execute_wrappers.append(wrapper)
        started = time.perf_counter()

        def finish() -> dict:
            for conn in wrapped:
                if wrapper in conn.execute_wrappers:
                    conn.execute_wrappers.remove(wrapper)
            numbers = {
                "queries": stats["queries"],
                "sql_ms": round(stats["sql"] * 1000, 3),
                "app_ms": round((time.perf_counter() - started) * 1000, 3),
                "slowest_ms": round(stats["top"] * 1000, 3),
                "slowest_sql": stats["top_sql"],
                "slowest_params": stats["top_params"],
            }
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.write(json.dumps({"id": request.headers.get("X-Bench-Id", ""), **numbers}) + "\n")
            return numbers

        try:
            response = self.get_response(request)
        except BaseException:
            finish()
            raise
        if not response.streaming:
            numbers = finish()
            response["X-Bench-Queries"] = str(numbers["queries"])
            response["X-Bench-SQL-ms"] = str(numbers["sql_ms"])
            response["X-Bench-App-ms"] = str(numbers["app_ms"])
            return response
        content = response.streaming_content

        def streamed():
            try:
                yield from content
            finally:
                finish()

        response.streaming_content = streamed()
        return response


def _plain(value):
    """A parameter as JSON can hold it (dates and times as ISO text; PostgreSQL casts them back)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else str(value)

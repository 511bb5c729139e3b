"""Bench only: how many queries a request ran, and how long they and the whole request took.

First in the middleware chain (bench.settings), so the session, the user and the
permissions are counted too. A normal response carries the numbers in headers
(`X-Bench-Queries`, `X-Bench-SQL-ms`, `X-Bench-App-ms`); a streaming one (an
export) runs its queries while it is sent, so its numbers are appended as a JSON
line to BENCH_SQL_LOG once the last byte is out, keyed by the request's
`X-Bench-Id` header. Never in the product's settings: it is not free.
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
        stats = {"queries": 0, "sql": 0.0}

        def wrapper(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                stats["sql"] += time.perf_counter() - started
                stats["queries"] += 1

        wrapped = list(connections.all())
        for conn in wrapped:
            conn.execute_wrappers.append(wrapper)
        started = time.perf_counter()

        def finish() -> dict:
            for conn in wrapped:
                if wrapper in conn.execute_wrappers:
                    conn.execute_wrappers.remove(wrapper)
            return {
                "queries": stats["queries"],
                "sql_ms": round(stats["sql"] * 1000, 3),
                "app_ms": round((time.perf_counter() - started) * 1000, 3),
            }

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
        request_id = request.headers.get("X-Bench-Id", "")
        content = response.streaming_content

        def streamed():
            sent = 0
            try:
                for chunk in content:
                    sent += len(chunk)
                    yield chunk
            finally:
                numbers = finish()
                if self.log_path:
                    with open(self.log_path, "a", encoding="utf-8") as log:
                        log.write(json.dumps({"id": request_id, "bytes": sent, **numbers}) + "\n")

        response.streaming_content = streamed()
        return response

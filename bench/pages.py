"""Timing pages over real HTTP against gunicorn: a logged-in client per person, warm-up, then N timed requests.

The client is the standard library's (`http.client`, cookies by hand): no extra
package, and little of its own time in the numbers. Each response's queries
and SQL time come from the server (bench.sql_middleware): headers for a page,
a log line for a streamed export.
"""

import csv
import http.client
import io
import json
import re
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode


class Client:
    """One person's browser: a session cookie, the CSRF cookie, one connection at a time."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(host, port, timeout=300)

    def request(self, method: str, path: str, *, data: dict | list | None = None, headers: dict | None = None):
        """(status, headers, body, seconds to the last byte)."""
        body = urlencode(data, doseq=True) if data is not None else None
        sent = {"Host": f"{self.host}:{self.port}", "Accept-Language": "nl", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = f"http://{self.host}:{self.port}{path}"
            if "csrftoken" in self.cookies:
                sent["X-CSRFToken"] = self.cookies["csrftoken"]
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.connection.close()  # a kept-alive connection the server had closed: once more, afresh
            started = time.perf_counter()
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
        try:
            content = response.read()
        except http.client.HTTPException:
            self.connection.close()
            raise
        seconds = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content, seconds

    def login(self, username: str, password: str) -> None:
        status, _, body, _ = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not token:
            raise RuntimeError(f"no login form ({status})")
        data = {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password}
        status, headers, _, _ = self.request("POST", "/accounts/login/", data=data)
        if status != 302 or "login" in (headers.get("Location") or ""):
            raise RuntimeError(f"{username} could not log in ({status})")


class FormFields(HTMLParser):
    """Every <form> of a page: its fields with the values the page filled in (what a browser would send)."""

    def __init__(self):
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self.inside = False
        self.select: str | None = None
        self.select_value: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = True
            self.forms.append([])
        if not self.inside:
            return
        fields = self.forms[-1]
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") in ("submit", "button"):
                return
            fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self.select, self.select_value = a.get("name"), None
        elif tag == "option" and self.select is not None:
            if "selected" in a or self.select_value is None:
                self.select_value = a.get("value") or ""
        elif tag == "textarea":
            self.textarea = a.get("name")
            fields.append((self.textarea, ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            if self.inside:
                self.forms[-1].append((self.select, self.select_value or ""))
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.inside and self.textarea and self.forms[-1] and self.forms[-1][-1][0] == self.textarea:
            self.forms[-1][-1] = (self.textarea, self.forms[-1][-1][1] + data)


def form_fields(html: bytes, *, having: str) -> dict[str, str]:
    """The fields of the first form on the page that has a field named `having`."""
    parser = FormFields()
    parser.feed(html.decode("utf-8", "replace"))
    for fields in parser.forms:
        if any(name == having for name, _ in fields):
            return dict(fields)
    raise RuntimeError(f"no form with a field {having!r}")


class RssSampler:
    """The resident memory of gunicorn's workers, sampled every few milliseconds while a request runs."""

    def __init__(self, master_pid: int):
        self.master_pid = master_pid

    def workers(self) -> list[int]:
        pids = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{self.master_pid}$", text, re.MULTILINE):
                pids.append(int(status.parent.name))
        return pids

    @staticmethod
    def rss_kb(pid: int) -> int:
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return 0
        match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.MULTILINE)
        return int(match.group(1)) if match else 0

    def during(self, work):
        """Run `work()`; return (its result, the largest growth of any worker's RSS over its value before, in kB)."""
        pids = self.workers()
        before = {pid: self.rss_kb(pid) for pid in pids}
        peak = dict(before)
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                for pid in pids:
                    peak[pid] = max(peak[pid], self.rss_kb(pid))
                time.sleep(0.005)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            result = work()
        finally:
            stop.set()
            sampler.join()
        return result, max((peak[pid] - before[pid] for pid in pids), default=0)


@dataclass
class Row:
    """One line of the table: a page (or export, or form post) timed N times."""

    name: str
    budget_ms: float | None
    client: str  # which logged-in person asks
    paths: list[str]  # cycled through, one per request
    method: str = "GET"
    expect: int = 200
    htmx: bool = False
    post: object = None  # callable(client, i) -> (path, data) for POST rows
    export: str = ""  # "csv" counts CSV rows; memory is sampled
    note: str = ""
    ratio: bool = True  # judged against 2× its SQL
    min_rows_per_s: float | None = None
    results: dict = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _sql_log(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    lines = {}
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        lines[entry["id"]] = entry
    return lines


def time_row(row: Row, clients: dict[str, Client], *, requests: int, warmup: int, max_seconds: float,
             sql_log: Path, sampler: RssSampler | None) -> dict:  # fmt: skip
    """Warm up, then time `requests` requests (fewer when `max_seconds` runs out: then `n` says how many)."""
    client = clients[row.client]
    samples, errors, rss_growth, csv_rows, body_bytes = [], [], 0, [], []
    streamed_ids, request_ids = [], []
    started_row = time.perf_counter()
    for i in range(warmup + requests):
        if i >= warmup and samples and time.perf_counter() - started_row > max_seconds:
            break
        headers = {"X-Bench-Id": uuid.uuid4().hex}
        if i >= warmup:
            request_ids.append(headers["X-Bench-Id"])
        if row.htmx:
            headers |= {"HX-Request": "true"}
        if row.post:
            path, data = row.post(client, i)
            method = "POST"
        else:
            path, data, method = row.paths[i % len(row.paths)], None, row.method

        def one(path=path, data=data, method=method, headers=headers):
            return client.request(method, path, data=data, headers=headers)

        try:
            if sampler is not None and row.export:
                (status, response_headers, body, seconds), growth = sampler.during(one)
                rss_growth = max(rss_growth, growth)
            else:
                status, response_headers, body, seconds = one()
        except (http.client.HTTPException, OSError) as error:  # a stream the server broke off
            errors.append(f"{path}: {type(error).__name__}")
            if len(errors) > 3:
                break
            continue
        if status != row.expect:
            errors.append(f"{path}: {status}")
            if len(errors) > 3:
                break
            continue
        if i < warmup:
            continue
        sample = {"ms": seconds * 1000, "bytes": len(body)}
        if response_headers.get("X-Bench-Queries") is not None:
            sample["queries"] = int(response_headers["X-Bench-Queries"])
            sample["sql_ms"] = float(response_headers["X-Bench-SQL-ms"])
            sample["app_ms"] = float(response_headers["X-Bench-App-ms"])
        else:
            streamed_ids.append((headers["X-Bench-Id"], sample))
        if row.export == "csv":
            text = body.decode("utf-8-sig", "replace")
            sample["rows"] = max(0, sum(1 for _ in csv.reader(io.StringIO(text), delimiter=_delimiter(text))) - 1)
            csv_rows.append(sample["rows"])
        body_bytes.append(len(body))
        samples.append(sample)
    time.sleep(0.2)  # the worker writes a streamed response's line after the last byte
    logged = _sql_log(sql_log)
    for request_id, sample in streamed_ids:
        entry = logged.get(request_id)
        if entry:
            sample |= {"queries": entry["queries"], "sql_ms": entry["sql_ms"], "app_ms": entry["app_ms"]}
    result = summarise(row, samples, errors, rss_growth=rss_growth, csv_rows=csv_rows, body_bytes=body_bytes)
    slowest = [logged[i] for i in request_ids if i in logged and logged[i].get("slowest_sql")]
    if slowest:
        worst = max(slowest, key=lambda e: e["slowest_ms"])
        result["slowest_sql_ms"] = round(statistics.median(e["slowest_ms"] for e in slowest), 1)
        result["slowest_sql"] = worst["slowest_sql"]
        result["slowest_params"] = worst.get("slowest_params", [])
    return result


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def summarise(row: Row, samples, errors, *, rss_growth=0, csv_rows=(), body_bytes=()) -> dict:
    ms = [s["ms"] for s in samples]
    sql = [s["sql_ms"] for s in samples if "sql_ms" in s]
    queries = [s["queries"] for s in samples if "queries" in s]
    app = [s["app_ms"] for s in samples if "app_ms" in s]
    result = {
        "name": row.name,
        "n": len(samples),
        "p50_ms": round(statistics.median(ms), 1) if ms else None,
        "p95_ms": round(percentile(ms, 0.95), 1) if ms else None,
        "max_ms": round(max(ms), 1) if ms else None,
        "queries": round(statistics.median(queries)) if queries else None,
        "sql_ms": round(statistics.median(sql), 1) if sql else None,
        "app_ms": round(statistics.median(app), 1) if app else None,
        "bytes": round(statistics.median(body_bytes)) if body_bytes else None,
        "budget_ms": row.budget_ms,
        "errors": errors[:4],
        "note": row.note,
    }
    result["page_to_sql"] = (
        round(result["p50_ms"] / result["sql_ms"], 1) if result["sql_ms"] and result["p50_ms"] else None
    )
    over = []
    if errors and not samples:
        over.append("ERROR")
    if row.budget_ms is not None and result["p95_ms"] is not None and result["p95_ms"] > row.budget_ms:
        over.append("p95")
    if row.ratio and result["page_to_sql"] is not None and result["page_to_sql"] > 2:
        over.append("÷SQL")
    if csv_rows:
        rows = statistics.median(csv_rows)
        rate = rows / (result["p50_ms"] / 1000) if result["p50_ms"] else 0
        result |= {"rows": round(rows), "rows_per_s": round(rate), "rss_growth_mb": round(rss_growth / 1024, 1)}
        size_mb = (result["bytes"] or 0) / 1024 / 1024
        result["note"] = (
            f"{rows:,.0f} rows, {rate:,.0f} rows/s; {size_mb:.1f} MB sent, worker RSS +{rss_growth / 1024:.1f} MB"
        )
        if row.min_rows_per_s and rate < row.min_rows_per_s:
            over.append("rows/s")
        if rss_growth / 1024 > max(8.0, 0.25 * size_mb):  # flat: the worker does not hold the file
            over.append("memory")
    elif rss_growth:
        result["rss_growth_mb"] = round(rss_growth / 1024, 1)
    result["verdict"] = "over: " + ", ".join(over) if over else "ok"
    return result

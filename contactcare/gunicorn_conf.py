"""gunicorn's settings wherever the web process runs (image, compose, Procfile.stack).

    gunicorn -c python:contactcare.gunicorn_conf contactcare.wsgi:application --bind …

Its error log and its access log are JSON lines in the shape the app writes
(contactcare.logs), masked the same way: no query strings, e-mail addresses
or phone numbers, not even in the path. Options on the command line (bind,
workers) still win over this module.
"""

import logging

from gunicorn import glogging

from contactcare.logs import JsonFormatter, RedactPersonalDataFilter

accesslog = "-"  # stdout
errorlog = "-"  # stderr
logger_class = "contactcare.gunicorn_conf.JsonLogger"


def _path(environ: dict) -> str:
    """The path as the application sees it: WSGI hands it over as latin-1 text of UTF-8 bytes."""
    path = environ.get("PATH_INFO") or "/"
    try:
        return path.encode("latin-1").decode("utf-8", errors="replace")
    except UnicodeEncodeError:
        return path


class JsonLogger(glogging.Logger):
    """gunicorn's logger with JSON lines, redacted, and one field per part of an access line.

    The access line deliberately leaves out the query string, the referer, the
    user agent and the client address: what people typed and who they are.
    """

    def setup(self, cfg) -> None:
        super().setup(cfg)
        # Warnings and whatever logs before Django is set up (in the master it
        # never is) come out as JSON too; in a worker settings.LOGGING takes over.
        logging.captureWarnings(True)
        if not logging.root.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(JsonFormatter())
            handler.addFilter(RedactPersonalDataFilter())
            logging.root.addHandler(handler)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False):  # gunicorn made it, anew on every (re)load
                    handler.setFormatter(JsonFormatter())
                    handler.addFilter(RedactPersonalDataFilter())

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        try:
            status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
            fields = {
                "method": environ.get("REQUEST_METHOD"),
                "path": _path(environ),
                "status": int(status),
                "bytes": getattr(resp, "sent", None),
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
            }
            # The filter masks the message; the formatter masks the path field.
            self.access_log.log(
                logging.INFO, "%s %s %s", fields["method"], fields["path"], fields["status"], extra=fields
            )
        except Exception:  # noqa: BLE001 - as gunicorn's own: a log line never breaks a worker
            self.exception("could not write the access log line")

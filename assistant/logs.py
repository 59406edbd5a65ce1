"""Logs a machine can read: one JSON object per line, each tied to the request it belongs to.

- ``RequestIds`` gives every HTTP request an id: the caller's ``X-Request-ID`` when it is a
  plain token (8 to 64 of ``A-Z a-z 0-9 . _ -``), otherwise a fresh one; anything else a
  client sends there (newlines, quotes, a megabyte, accents) is never repeated anywhere.
  The id is answered in ``X-Request-ID`` and is ``current_request_id()`` for the whole
  request: routes, the threads FastAPI runs them in (anyio copies the context), streamed
  bodies, the audit log and uvicorn's access line.
- ``JsonFormatter`` writes a record as one line: ``time`` (UTC, ms), ``level``, ``logger``,
  ``message``, ``request_id`` (when there is one), ``exception`` (the traceback), and, for
  uvicorn's access line, ``client``, ``method``, ``path``, ``http_version``, ``status``.
- ``log_config`` is the ``logging.config.dictConfig`` (and ``uvicorn.run(log_config=...)``)
  dictionary that sends uvicorn's loggers and everyone else's through that formatter on
  standard error; ``configure_logging`` applies it in an entry point.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
_HEADER_KEY = HEADER.lower().encode("latin-1")
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_MAX_ID = 64
ACCESS_LOGGER = "uvicorn.access"
# uvicorn's access line: '%s - "%s %s HTTP/%s" %d' % (client, method, path, version, status).
ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")
# Characters json.dumps leaves as they are but that split a line for str.splitlines().
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_request_id: ContextVar[str | None] = ContextVar("boussole_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served here, None outside one (the CLI, the chat socket)."""
    return _request_id.get()


def safe_request_id(given: bytes | None) -> str:
    """The caller's id when it is a plain token, a fresh one otherwise (hostile input)."""
    if given is not None and len(given) <= _MAX_ID:
        text = given.decode("latin-1")
        if _SAFE_ID.fullmatch(text):
            return text
    return uuid.uuid4().hex


class RequestIds:
    """Give each HTTP request an id, echoed in ``X-Request-ID`` and set for the logs.

    Put it outermost, so that a refusal by any layer below carries an id too. Nested twice,
    the inner one keeps the outer one's id: the request's header is replaced by the id chosen.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Choose the id, expose it to the request, answer it with the response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = [value for key, value in scope["headers"] if key.lower() == _HEADER_KEY]
        request_id = safe_request_id(given[0] if len(given) == 1 else None)
        encoded = request_id.encode("ascii")
        headers = [(key, value) for key, value in scope["headers"] if key.lower() != _HEADER_KEY]
        scope["headers"] = [*headers, (_HEADER_KEY, encoded)]  # what the layers below read

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered = list(message.get("headers", []))
                if not any(key.lower() == _HEADER_KEY for key, _ in answered):
                    message = {**message, "headers": [*answered, (_HEADER_KEY, encoded)]}
            await send(message)

        token = _request_id.set(request_id)
        await self.app(scope, receive, send_with_id)
        # Reset on a normal end only: when the request fails, the server's own report of the
        # failure (the 500 handler, uvicorn's traceback) still names it. Each request runs in
        # its own task, so the value goes with the task either way.
        _request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; never raises, whatever the record holds."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        try:
            return _line(self.fields(record))
        except Exception as error:  # a record that cannot be read is still logged
            return _line(
                {
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "level": _text(getattr(record, "levelname", "ERROR")),
                    "logger": _text(getattr(record, "name", "")),
                    "message": f"{_text(getattr(record, 'msg', ''))} "
                    f"(unreadable log record: {type(error).__name__})",
                }
            )

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The keys of one line, in reading order."""
        fields: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id is not None:
            fields["request_id"] = str(request_id)
        args = record.args
        if (
            record.name == ACCESS_LOGGER
            and isinstance(args, tuple)
            and len(args) == len(ACCESS_FIELDS)
        ):
            fields.update(zip(ACCESS_FIELDS, args, strict=True))
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            fields["exception"] = record.exc_text
        if record.stack_info:
            fields["stack"] = self.formatStack(record.stack_info)
        return fields


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def _text(value: object) -> str:
    """A string as it is, anything else as its ``repr``, or its type when even that fails."""
    if isinstance(value, str):
        return value
    try:
        return repr(value)
    except Exception:
        return f"<{type(value).__name__}>"


def _message(record: logging.LogRecord) -> str:
    """``getMessage()``, or what can be said of a message whose arguments do not fit it."""
    try:
        return record.getMessage()
    except Exception:
        return f"{record.msg!r} % {record.args!r}"


def _line(fields: dict[str, Any]) -> str:
    """JSON on one line, readable (accents kept) and writable to any UTF-8 stream."""
    text = json.dumps(fields, ensure_ascii=False, default=repr)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (undecodable file names): escape everything
        return json.dumps(fields, ensure_ascii=True, default=repr)
    for char, escaped in _LINE_BREAKS.items():
        text = text.replace(char, escaped)  # only ever inside a JSON string
    return text


def log_config(json_lines: bool = True, level: int | str = logging.INFO) -> dict[str, Any]:
    """For ``logging.config.dictConfig`` and ``uvicorn.run(log_config=...)``: one stream.

    Every logger (uvicorn's own included) writes to standard error at ``level``, as JSON
    lines or as text for a person.
    """
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"} if json_lines else {"format": TEXT_FORMAT}
    )
    uvicorn = {"handlers": ["stderr"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"boussole": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "boussole",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {name: dict(uvicorn) for name in ("uvicorn", ACCESS_LOGGER)}
        | {"uvicorn.error": {"level": level}},  # through "uvicorn"'s handler
        "root": {"handlers": ["stderr"], "level": level},
    }


def configure_logging(json_lines: bool, level: int | str = logging.INFO) -> None:
    """Set the logging of a process (entry points only); warnings are logged too."""
    logging.config.dictConfig(log_config(json_lines, level))
    logging.captureWarnings(True)

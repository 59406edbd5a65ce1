"""JSON log lines and request ids: the formatter, the middleware, and ``boussole serve`` itself.

The formatter is fed a table of records; the middleware is driven at the ASGI level (hostile
headers no HTTP client would send) and through small FastAPI apps (async and plain ``def``
routes, the thread pool, streamed bodies, errors); the whole chain (response header, log
lines, audit line) is then checked on the real server in its own process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from starlette.concurrency import run_in_threadpool
from starlette.types import Message, Receive, Scope, Send

from assistant.audit import AuditLog
from assistant.logs import (
    HEADER,
    JsonFormatter,
    RequestIds,
    current_request_id,
    safe_request_id,
)
from assistant.settings import AuditQuery, AuditSettings
from tests.servers import boussole_serve, index_vpn_procedure, serve_environment

ISO_UTC_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")
FRESH = re.compile(r"[0-9a-f]{32}")
SAFE = "Appli-SIG_2024.06-0001"


def _record(
    message: object,
    args: Any = None,
    *,
    name: str = "assistant.search",
    level: int = logging.INFO,
    exc_info: Any = None,
) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, args, exc_info)


def _formatted(record: logging.LogRecord) -> dict[str, Any]:
    line = JsonFormatter().format(record)
    assert len(line.splitlines()) == 1, line
    parsed: dict[str, Any] = json.loads(line)
    return parsed


# -- the formatter -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            _record("Index ouvert : %d passages", (42,)),
            {
                "level": "INFO",
                "logger": "assistant.search",
                "message": "Index ouvert : 42 passages",
            },
        ),
        (
            _record("Clé d'API refusée", level=logging.WARNING, name="assistant.security"),
            {"level": "WARNING", "logger": "assistant.security", "message": "Clé d'API refusée"},
        ),
        (  # uvicorn's access line: its fields as keys, and the usual text as the message
            _record(
                '%s - "%s %s HTTP/%s" %d',
                ("127.0.0.1:51234", "POST", "/search", "1.1", 200),
                name="uvicorn.access",
            ),
            {
                "logger": "uvicorn.access",
                "message": '127.0.0.1:51234 - "POST /search HTTP/1.1" 200',
                "client": "127.0.0.1:51234",
                "method": "POST",
                "path": "/search",
                "http_version": "1.1",
                "status": 200,
            },
        ),
        (  # a message in several lines, with line breaks JSON itself leaves alone
            _record('ligne 1\nligne 2\r\u2028ligne 3\u2029\x85fin "citée" \\ {}'),
            {"message": 'ligne 1\nligne 2\r\u2028ligne 3\u2029\x85fin "citée" \\ {}'},
        ),
        (  # arguments that do not fit the message: logged anyway, saying so
            _record("%d documents", ("beaucoup",)),
            {"message": "'%d documents' % ('beaucoup',)"},
        ),
        (_record(ValueError("pas une chaîne")), {"message": "pas une chaîne"}),
        (  # an undecodable file name (surrogate escapes) still gives UTF-8 JSON
            _record("fichier %s ignoré", ("rapport-\udce9t\udce9.pdf",)),
            {"message": "fichier rapport-\udce9t\udce9.pdf ignoré"},
        ),
        (  # a dict as the only argument, logging's mapping form
            _record("%(n)s passages", ({"n": 3},)),
            {"message": "3 passages"},
        ),
    ],
)
def test_a_record_is_one_json_line_with_its_keys(
    record: logging.LogRecord, expected: dict[str, Any]
) -> None:
    line = JsonFormatter().format(record)
    line.encode("utf-8")  # writable to a strict UTF-8 stream
    parsed = _formatted(record)
    assert ISO_UTC_MS.fullmatch(parsed["time"]), parsed
    assert {key: parsed[key] for key in expected} == expected
    assert "request_id" not in parsed and "exception" not in parsed  # no request here


def test_an_exception_comes_with_its_traceback_in_the_same_line() -> None:
    try:
        raise RuntimeError("index illisible\nligne 2")
    except RuntimeError:
        record = _record("Échec de la recherche", level=logging.ERROR, exc_info=sys.exc_info())
    parsed = _formatted(record)
    assert parsed["message"] == "Échec de la recherche"
    assert parsed["exception"].startswith("Traceback (most recent call last):")
    assert "RuntimeError: index illisible\nligne 2" in parsed["exception"]


def test_a_record_that_cannot_be_read_is_still_a_json_line() -> None:
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError("str refusé")

        def __repr__(self) -> str:
            return "<hostile>"

    parsed = _formatted(_record(Hostile()))
    assert parsed["level"] == "INFO" and "<hostile>" in parsed["message"]

    class Worse(Hostile):
        def __repr__(self) -> str:
            raise RuntimeError("repr refusé")

    parsed = _formatted(_record(Worse(), ("argument",)))
    assert parsed["level"] == "INFO" and parsed["message"].startswith("<Worse>")


def test_a_request_id_given_as_extra_is_kept() -> None:
    record = _record("rien")
    record.request_id = SAFE
    assert _formatted(record)["request_id"] == SAFE


# -- the middleware at the ASGI level ------------------------------------------------------


def _call(
    headers: list[tuple[bytes, bytes]], answer: list[tuple[bytes, bytes]] | None = None
) -> tuple[dict[str, Any], list[bytes]]:
    """One request through ``RequestIds``; what the app saw and what the client got."""
    seen: dict[str, Any] = {}
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen["headers"] = list(scope["headers"])
        seen["id"] = current_request_id()
        await send({"type": "http.response.start", "status": 204, "headers": answer or []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers}
    asyncio.run(RequestIds(app)(scope, receive, send))
    answered = [value for key, value in sent[0]["headers"] if key == b"x-request-id"]
    return seen, answered


@pytest.mark.parametrize(
    "given",
    [
        b"abc\r\nSet-Cookie: session=volee",
        b"abc\ndef-ghij",
        b'"citation-entre-guillemets"',
        b"<script>alert(1)</script>",
        b"a" * 65,
        b"x" * 1_000_000,
        "identifiant-été-2024".encode(),
        "identifiant-été-2024".encode("latin-1"),
        b"court",
        b"",
        b"espace au milieu",
        b"../../etc/passwd",
        b"id%0d%0aX-Faux: 1",
    ],
)
def test_a_hostile_request_id_is_replaced_by_a_fresh_one(given: bytes) -> None:
    seen, answered = _call([(b"x-request-id", given), (b"accept", b"*/*")])
    assert FRESH.fullmatch(seen["id"]), seen["id"]
    assert answered == [seen["id"].encode()]
    # The layers below read the id chosen, never what the client wrote.
    assert (b"x-request-id", seen["id"].encode()) in seen["headers"]
    assert given not in [value for _, value in seen["headers"]]
    assert (b"accept", b"*/*") in seen["headers"]


@pytest.mark.parametrize("given", [SAFE, "a" * 64, "12345678", "f" * 32, "req.1_2-3"])
def test_a_plain_request_id_is_kept(given: str) -> None:
    seen, answered = _call([(b"x-request-id", given.encode())])
    assert seen["id"] == given and answered == [given.encode()]


def test_an_absent_or_repeated_request_id_gives_a_fresh_one() -> None:
    absent, answered = _call([])
    assert FRESH.fullmatch(absent["id"]) and answered == [absent["id"].encode()]
    twice, answered = _call([(b"x-request-id", b"premier-id-1"), (b"x-request-id", b"second-id-2")])
    assert FRESH.fullmatch(twice["id"]) and answered == [twice["id"].encode()]
    assert len([key for key, _ in twice["headers"] if key == b"x-request-id"]) == 1
    assert safe_request_id(None) != safe_request_id(None)


def test_an_id_the_response_already_has_is_not_repeated() -> None:
    _, answered = _call([(b"x-request-id", SAFE.encode())], answer=[(b"x-request-id", b"autre")])
    assert answered == [b"autre"]


@pytest.mark.parametrize("kind", ["websocket", "lifespan"])
def test_websockets_and_lifespan_go_through_untouched(kind: str) -> None:
    seen: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen["scope"], seen["id"] = scope, current_request_id()

    async def nothing() -> Message:
        return {}

    async def ignore(message: Message) -> None:
        return None

    scope = {"type": kind, "headers": [(b"x-request-id", b"x\ny")]}
    asyncio.run(RequestIds(app)(dict(scope), nothing, ignore))
    assert seen == {"scope": scope, "id": None}


# -- the middleware in a FastAPI app -------------------------------------------------------


class Lines(logging.Handler):
    """The JSON lines one logger wrote."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def logged() -> Iterator[Lines]:
    handler = Lines()
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def small_app(audit: AuditLog) -> FastAPI:
    """Routes of every kind the API has: async, plain ``def``, thread pool, streams, errors."""
    app = FastAPI()
    log = logging.getLogger("tests.logs")

    def in_thread(route: str) -> str | None:
        log.info("dans un fil : %s", route)
        audit.record(user="marie", endpoint=route, query="accès VPN", documents=["vpn.md"])
        return current_request_id()

    @app.get("/async")
    async def asynchronous() -> dict[str, str | None]:
        log.info("route asynchrone")
        return {"here": current_request_id(), "thread": await run_in_threadpool(in_thread, "/a")}

    @app.get("/sync")
    def synchronous() -> dict[str, str | None]:
        return {"thread": in_thread("/sync")}

    @app.get("/stream")
    def stream() -> StreamingResponse:
        def pieces() -> Iterator[str]:
            for number in range(3):
                yield f"{number}:{current_request_id()}\n"
            in_thread("/stream")

        return StreamingResponse(pieces(), media_type="text/plain")

    @app.get("/astream")
    async def astream() -> StreamingResponse:
        async def pieces() -> AsyncIterator[str]:
            for number in range(3):
                await asyncio.sleep(0)
                yield f"{number}:{current_request_id()}\n"

        return StreamingResponse(pieces(), media_type="text/plain")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("panne")

    @app.exception_handler(Exception)
    async def unexpected(_: Any, exc: Exception) -> Any:
        from fastapi.responses import JSONResponse

        log.error("Unhandled error", exc_info=exc)
        return JSONResponse(status_code=500, content={"code": "erreur_interne"})

    return app


@pytest.fixture
def audit(tmp_path: Path) -> Iterator[AuditLog]:
    log = AuditLog(tmp_path / "audit.jsonl", AuditSettings(query=AuditQuery.CLEAR))
    try:
        yield log
    finally:
        log.close()


def _audited(audit: AuditLog) -> list[dict[str, Any]]:
    for handler in audit.logger.handlers:
        handler.flush()
    return [json.loads(line) for line in audit.path.read_text("utf-8").splitlines()]


def test_routes_threads_logs_and_audit_share_the_request_id(audit: AuditLog, logged: Lines) -> None:
    app = small_app(audit)
    app.add_middleware(RequestIds)  # as create_app does
    with TestClient(app) as client:
        kept = client.get("/async", headers={HEADER: SAFE})
        fresh = client.get("/sync")
        hostile = client.get("/sync", headers={HEADER: '"><img src=x>'})
    assert kept.headers[HEADER] == SAFE and kept.json() == {"here": SAFE, "thread": SAFE}
    assert FRESH.fullmatch(fresh.headers[HEADER])
    assert fresh.json() == {"thread": fresh.headers[HEADER]}
    assert FRESH.fullmatch(hostile.headers[HEADER]) and hostile.headers[HEADER] != '"><img src=x>'
    assert hostile.json() == {"thread": hostile.headers[HEADER]}
    assert [line["request_id"] for line in logged.lines] == [
        SAFE,
        SAFE,
        fresh.headers[HEADER],
        hostile.headers[HEADER],
    ]
    assert [(line["endpoint"], line["request_id"]) for line in _audited(audit)] == [
        ("/a", SAFE),
        ("/sync", fresh.headers[HEADER]),
        ("/sync", hostile.headers[HEADER]),
    ]


@pytest.mark.parametrize("path", ["/stream", "/astream"])
def test_a_streamed_body_keeps_the_request_id(audit: AuditLog, path: str) -> None:
    app = small_app(audit)
    app.add_middleware(RequestIds)
    with TestClient(app) as client:
        response = client.get(path, headers={HEADER: SAFE})
    assert response.headers[HEADER] == SAFE
    assert response.text.splitlines() == [f"{number}:{SAFE}" for number in range(3)]
    if path == "/stream":  # audited by the generator, after the last piece
        assert [line["request_id"] for line in _audited(audit)] == [SAFE]


def test_refusals_and_failures_carry_an_id(audit: AuditLog, logged: Lines) -> None:
    """Wrapped around the app (as ``boussole serve`` does), even Starlette's 500 has one."""
    inside = small_app(audit)
    inside.add_middleware(RequestIds)  # create_app's own, nested: the outer id is kept
    with TestClient(RequestIds(inside), raise_server_exceptions=False) as client:
        missing = client.get("/absente", headers={HEADER: SAFE})
        wrong = client.post("/sync")
        failed = client.get("/boom", headers={HEADER: "panne-0001"})
    assert (missing.status_code, missing.headers.get_list(HEADER)) == (404, [SAFE])
    assert wrong.status_code == 405 and FRESH.fullmatch(wrong.headers[HEADER])
    assert (failed.status_code, failed.headers.get_list(HEADER)) == (500, ["panne-0001"])
    [error] = [line for line in logged.lines if line["message"] == "Unhandled error"]
    assert error["request_id"] == "panne-0001" and "RuntimeError: panne" in error["exception"]


def test_the_audit_line_has_no_id_outside_a_request(audit: AuditLog) -> None:
    audit.record(user="chat", endpoint="chat", query="accès VPN", documents=["vpn.md"])
    [line] = _audited(audit)
    assert line["request_id"] is None and line["query"] == "accès VPN"


# -- configure_logging in a process of its own ---------------------------------------------


def _run(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=True,
    )
    assert done.stdout == ""  # everything goes to standard error
    return done.stderr.splitlines()


def test_configured_processes_write_only_json_lines() -> None:
    lines = _run(
        "import logging, warnings\n"
        "from assistant.logs import configure_logging\n"
        "configure_logging(True)\n"
        "logging.getLogger('assistant.x').info('accès\\nrefusé')\n"
        "logging.getLogger('uvicorn.error').info('Started server process [%d]', 12)\n"
        "logging.getLogger('uvicorn.access').info("
        "'%s - \"%s %s HTTP/%s\" %d', '127.0.0.1:5', 'GET', '/health', '1.1', 200)\n"
        "logging.getLogger('assistant.x').debug('pas affiché')\n"
        "warnings.warn('obsolète')\n"
    )
    parsed = [json.loads(line) for line in lines]
    assert [(line["logger"], line["level"]) for line in parsed] == [
        ("assistant.x", "INFO"),
        ("uvicorn.error", "INFO"),
        ("uvicorn.access", "INFO"),
        ("py.warnings", "WARNING"),
    ]
    assert parsed[0]["message"] == "accès\nrefusé" and parsed[2]["status"] == 200
    assert "obsolète" in parsed[3]["message"]


def test_text_logs_stay_for_people() -> None:
    [line] = _run(
        "import logging\n"
        "from assistant.logs import configure_logging\n"
        "configure_logging(False)\n"
        "logging.getLogger('assistant.x').warning('Index absent')\n"
    )
    assert not line.startswith("{") and line.endswith("WARNING assistant.x: Index absent")


# -- boussole serve ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[dict[str, Any]]:
    """``boussole serve`` over one indexed document, its log and audit read after it stops."""
    root = tmp_path_factory.mktemp("logs-serve")
    values = {
        "data_dir": str(root / "data"),
        "embedding": {"model": str(model_dir)},
        "audit": {"query": "clear"},
    }
    env = serve_environment(root, values)
    settings = index_vpn_procedure(root)
    log = root / "serve.log"
    responses: dict[str, httpx.Response] = {}
    with boussole_serve(env, log) as base, httpx.Client(base_url=base, timeout=60) as client:
        search = {"query": "compte VPN"}
        responses["fresh"] = client.post("/search", json=search)
        responses["kept"] = client.post("/search", json=search, headers={HEADER: SAFE})
        responses["hostile"] = client.post("/search", json=search, headers={HEADER: "x" * 65})
        responses["stream"] = client.post(
            "/ask", json={"question": "comment demander un compte VPN ?", "stream": True}
        )
        responses["missing"] = client.get("/absente", headers={HEADER: "absente-0001"})
    yield {"log": log, "audit": settings.audit_file, "responses": responses}


@pytest.mark.slow
def test_every_line_the_server_writes_is_json(served: dict[str, Any]) -> None:
    text = served["log"].read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    plain = [line for line in lines if not line.startswith("{")]
    assert plain == [], "\n".join(plain)
    parsed = [json.loads(line) for line in lines]
    assert {"time", "level", "logger", "message"} <= set().union(*parsed)
    loggers = {line["logger"] for line in parsed}
    assert {"uvicorn.error", "uvicorn.access"} <= loggers, loggers
    assert any(line["message"].startswith("Uvicorn running on") for line in parsed)
    assert any(line["message"] == "Application startup complete." for line in parsed)


@pytest.mark.slow
def test_the_response_the_access_line_and_the_audit_line_share_one_id(
    served: dict[str, Any],
) -> None:
    responses: dict[str, httpx.Response] = served["responses"]
    assert {name: r.status_code for name, r in responses.items()} == {
        "fresh": 200,
        "kept": 200,
        "hostile": 200,
        "stream": 200,
        "missing": 404,
    }
    ids = {name: r.headers.get_list(HEADER) for name, r in responses.items()}
    assert ids["kept"] == [SAFE] and ids["missing"] == ["absente-0001"]
    assert all(FRESH.fullmatch(ids[name][0]) for name in ("fresh", "hostile", "stream")), ids
    assert len({values[0] for values in ids.values()}) == len(ids)  # one per request

    parsed = [json.loads(line) for line in served["log"].read_text("utf-8").splitlines() if line]
    access = {line["request_id"]: line for line in parsed if line["logger"] == "uvicorn.access"}
    for response in responses.values():
        line = access[response.headers[HEADER]]
        assert (line["method"], line["path"], line["status"]) == (
            response.request.method,
            response.request.url.path,
            response.status_code,
        )
        assert line["client"].startswith("127.0.0.1:"), line

    audited = [json.loads(line) for line in served["audit"].read_text("utf-8").splitlines()]
    assert [(line["endpoint"], line["request_id"]) for line in audited] == [
        ("/search", responses["fresh"].headers[HEADER]),
        ("/search", SAFE),
        ("/search", responses["hostile"].headers[HEADER]),
        ("/ask", responses["stream"].headers[HEADER]),
    ]
    assert audited[1]["query"] == "compte VPN" and audited[1]["documents"] == ["vpn.md"]

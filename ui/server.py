"""One server on one port: the API, the chat under ``/chat`` and the documents it cites.

``create_server_app(settings)`` is ``assistant.api.create_app(settings)`` plus:

- the Chainlit chat mounted at ``/chat``, working with the API's own parts (one index, one
  model in memory);
- ``GET /documents/{path}``: the indexed files, from the ``ui.documents_root`` folder
  (the folder that was indexed, since citations give paths relative to it); PDFs open at
  ``#page=N``. When the chat asks for a login, so do the
  documents (the chat's session cookie);
- a filter that removes from the chat's pages every stylesheet, script or font that would
  be fetched from another host: nothing leaves the machine;
- the chat widget other web applications embed (Chainlit's copilot, ``/chat/copilot/index.js``),
  reachable only from the origins of ``api.allowed_origins``: the chat's HTTP calls answer
  them alone (CORS) and its socket refuses any other page.

Logins (``ui.users_file``, ``security.trusted_proxies``) are described in
``assistant/users.py``.
"""

from __future__ import annotations

import codecs
import gzip
import json
import logging
import mimetypes
import re
import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant import users as auth
from assistant.api import create_app
from assistant.runtime import Runtime, client_address
from assistant.security import IdentityHeaders
from assistant.settings import Settings
from connectors.safe_files import UnsafeFile, check_file
from guardrails.access import Reader
from indexing.store import SearchFilters
from ui import UI_ROOT, parts
from ui.feedback import FEEDBACK_FILE, FeedbackStore

logger = logging.getLogger(__name__)

CHAT_PATH = "/chat"
CHAT_FILES = "chat_files"
# The theme the widget reads: with no font named, it fetches one from Google; an empty
# stylesheet written inline keeps the host page's fonts and asks nothing of anyone.
THEME_PATH = f"{CHAT_PATH}/public/theme.json"
NO_WEB_FONT = "data:text/css,"
SOCKET_PATH = f"{CHAT_PATH}/ws/socket.io"

# Opened in the browser as text, whatever their extension says.
TEXT_SUFFIXES = {".md", ".txt", ".csv", ".xml", ".json", ".yaml", ".yml", ".rdf", ".ttl"}
HTML_SUFFIXES = {".html", ".htm"}
# An HTML document cannot run scripts or reach the chat's session: a sandboxed page.
SANDBOX = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"code": code, "message": message})


def _charset(path: Path) -> str:
    """utf-8 when the file's start decodes as such, else the Windows Western encoding."""
    with path.open("rb") as handle:
        head = handle.read(65536)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "windows-1252"
    return "utf-8"


def resolve_document(root: Path, relative: str) -> Path | None:
    """The regular file ``relative`` names inside ``root``, as its real path.

    None when it is missing, outside (``..``, an absolute path, a link leading out), or
    not a regular file (a pipe would block the worker that opens it): the same rule as
    indexing (``connectors.safe_files``).
    """
    try:
        return check_file(root / relative, [root])
    except (UnsafeFile, OSError, ValueError):  # ValueError: a NUL byte in the name
        return None


def session_reader(request: Request) -> Reader | None:
    """The chat user a request's session stands for (Chainlit's cookie), with their groups."""
    from chainlit.auth.cookie import get_token_from_cookies
    from chainlit.auth.jwt import decode_jwt

    token = get_token_from_cookies(dict(request.cookies))
    if not token:
        return None
    try:
        user = decode_jwt(token)
    except Exception:
        return None
    groups = (user.metadata or {}).get("groups") or []
    return Reader.of(str(user.identifier), [str(group) for group in groups])


def documents_router(runtime: Runtime, root: Path | None, *, login_required: bool) -> APIRouter:
    """``GET /documents/{path}``: an indexed file its reader may see, opened in the browser.

    Only files the index holds and the caller's groups may see are served: a path that is
    not indexed, or not theirs, is "not found" (its existence is not confirmed).
    """
    router = APIRouter(tags=["documents"])

    @router.get(
        "/documents/{path:path}",
        summary="Ouvrir un document indexé (chemin relatif à la racine indexée)",
        response_model=None,
    )
    def document(path: str, request: Request) -> Response:
        reader = runtime.reader(request)
        request.state.reader = reader  # for the usage metrics
        runtime.admit(reader, request)
        if login_required and reader.name == Reader.anonymous().name:
            return _error(
                401, "connexion_requise", "Connectez-vous au chat pour ouvrir les documents."
            )
        if root is None:
            return _error(
                404,
                "documents_non_servis",
                "Les documents ne sont pas servis : donnez le dossier indexé dans le "
                "réglage ui.documents_root.",
            )
        service = runtime.search_service(reader)
        # A path that names a person is asked for by its sealed key (``indexing.path_seal``).
        found = resolve_document(root, service.store.open_key(path))
        visible = service.payloads(["source_path", "display_path"], SearchFilters(source_path=path))
        if found is None or not visible:
            return _error(
                404,
                "document_introuvable",
                f"Document introuvable : « {path} » n'est pas un document indexé que vous "
                "pouvez ouvrir.",
            )
        runtime.audit(reader, "/documents", path, [path], address=client_address(request))
        suffix = found.suffix.lower()
        # The name the browser saves it under: the displayed one, names replaced.
        name = PurePosixPath(str(visible[0].get("display_path") or found.name)).name
        headers = {"X-Content-Type-Options": "nosniff"}
        if suffix == ".pdf":
            return FileResponse(
                found, media_type="application/pdf", filename=name,
                content_disposition_type="inline", headers=headers,
            )  # fmt: skip
        if suffix in TEXT_SUFFIXES or suffix in HTML_SUFFIXES:
            kind = "text/html" if suffix in HTML_SUFFIXES else "text/plain"
            return FileResponse(
                found,
                media_type=f"{kind}; charset={_charset(found)}",
                filename=name,
                content_disposition_type="inline",
                headers=headers | {"Content-Security-Policy": SANDBOX},
            )
        media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return FileResponse(found, media_type=media_type, filename=name, headers=headers)

    return router


# Tags that make a browser fetch from another host: stylesheets, fonts, preconnects,
# scripts, and meta tags naming remote images.
_REMOTE = r"""["']?(?:https?:)?//"""
_REMOTE_TAGS = re.compile(
    rf"<link\b[^>]*\bhref\s*=\s*{_REMOTE}[^>]*>"
    rf"|<script\b[^>]*\bsrc\s*=\s*{_REMOTE}[^>]*>\s*</script>"
    rf"|<meta\b[^>]*\bcontent\s*=\s*{_REMOTE}[^>]*>",
    re.IGNORECASE,
)


def offline_html(html: str) -> str:
    """The page without anything fetched from another host, and marked as French."""
    html = _REMOTE_TAGS.sub("", html)
    return re.sub(r"<html\b([^>]*)\blang=\"[^\"]*\"", r'<html\1lang="fr"', html, count=1)


def offline_theme(theme: bytes) -> bytes:
    """The theme without a web font to fetch (the widget fetches Google's when none is named)."""
    parsed = json.loads(theme)
    if not parsed.get("custom_fonts"):
        parsed["custom_fonts"] = [NO_WEB_FONT]
    return json.dumps(parsed, ensure_ascii=False).encode()


class OfflinePages:
    """Rewrites the HTML served under ``prefix`` with ``offline_html``, and the theme.

    Chainlit's page links a web font and a KaTeX stylesheet from CDNs, and its widget a web
    font when the theme names none; a pure ASGI filter (streamed API answers and websockets
    pass untouched) removes them before they reach the browser.
    """

    def __init__(self, app: ASGIApp, prefix: str = CHAT_PATH) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything through, except HTML pages and the theme, rewritten whole."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == self.prefix or path.startswith(self.prefix + "/")):
            await self.app(scope, receive, send)
            return
        theme = path == self.prefix + "/public/theme.json"
        start: Message | None = None
        body = bytearray()

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = Headers(raw=message["headers"]).get("content-type", "")
                if content_type.startswith("text/html") or (
                    theme
                    and content_type.startswith("application/json")
                    and message["status"] == 200
                ):
                    start = message
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await self._send_rewritten(start, bytes(body), send, theme=theme)
                return
            await send(message)

        await self.app(scope, receive, capture)

    @staticmethod
    async def _send_rewritten(start: Message, body: bytes, send: Send, *, theme: bool) -> None:
        headers = MutableHeaders(raw=list(start["headers"]))
        if headers.get("content-encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
            del headers["content-encoding"]
        if theme:
            page = offline_theme(body)
            for stale in ("etag", "last-modified"):  # the file's, not this body's
                if stale in headers:
                    del headers[stale]
        else:
            page = offline_html(body.decode("utf-8", errors="replace")).encode("utf-8")
        headers["content-length"] = str(len(page))
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": page, "more_body": False})


class SocketOrigins:
    """The chat's socket opens only for this server's pages and the ``allowed`` origins.

    Browsers apply no CORS to websockets; Chainlit's socket checks no origin. A page of
    another origin is refused (403) before it reaches the socket.
    """

    def __init__(self, app: ASGIApp, allowed: Iterable[str] = (), path: str = SOCKET_PATH) -> None:
        self.app = app
        self.allowed = set(allowed)
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a socket request from a page of an origin that is not allowed."""
        if scope["type"] in ("http", "websocket") and scope.get("path", "").startswith(self.path):
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            if origin and origin not in self.allowed and origin not in _own_origins(scope):
                logger.warning("Chat socket refused to a page of %s (api.allowed_origins)", origin)
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                else:
                    await _error(403, "origine_refusee", f"Origine « {origin} » non autorisée.")(
                        scope, receive, send
                    )
                return
        await self.app(scope, receive, send)


def _own_origins(scope: Scope) -> set[str]:
    """The origins a page of this server has, as this request shows them (proxy included).

    ``X-Forwarded-*`` reach this point from a trusted proxy only (``IdentityHeaders``, the
    outermost layer, removes them from anyone else).
    """
    headers = Headers(scope=scope)
    scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
    host = headers.get("host", "")
    forwarded_scheme = headers.get("x-forwarded-proto", scheme).split(",")[0].strip()
    forwarded_host = headers.get("x-forwarded-host", host).split(",")[0].strip()
    return {f"{scheme}://{host}", f"{forwarded_scheme}://{forwarded_host}"}


def allow_chat_origins(app: FastAPI, origins: list[str]) -> None:
    """Only this server's pages and ``origins`` (``api.allowed_origins``) may use the chat.

    Chainlit answers every origin its configuration lists (``allow_origins``, read when it
    is imported) and leaves its socket open to all: its CORS follows the setting here,
    before the chat serves anything, and ``SocketOrigins`` guards the socket. The API's own
    CORS stays out of the chat's way (``create_app(..., cors_exempt=...)``).
    """
    import chainlit.config
    import chainlit.server

    chainlit.config.config.project.allow_origins = list(origins)
    for middleware in chainlit.server.app.user_middleware:
        if _is_cors(middleware):
            middleware.kwargs["allow_origins"] = list(origins)
    app.add_middleware(SocketOrigins, allowed=origins)


def _is_cors(middleware: Middleware) -> bool:
    found: object = middleware.cls
    return found is CORSMiddleware


def _not_proxy_guard(middleware: Middleware) -> bool:
    found: object = middleware.cls
    return found is not IdentityHeaders


def create_server_app(settings: Settings) -> FastAPI:
    """The API, the chat at ``/chat`` and ``/documents``, for ``boussole serve``.

    Chainlit keeps its state per process: call this once per process.
    """
    app = create_app(settings, cors_exempt=(CHAT_PATH,))  # the chat answers its own CORS
    runtime = getattr(app.state, "runtime", None)
    if runtime is None:
        raise RuntimeError(
            "assistant.api.create_app must expose its parts as app.state.runtime for the chat"
        )
    login = settings.ui
    if login.users_file is not None:
        auth.load_users(login.users_file)  # a users file that cannot be used stops the start
    login_required = login.users_file is not None or bool(settings.security.trusted_proxies)
    if login_required:
        auth.ensure_auth_secret(settings.data_dir)
    else:
        logger.warning(
            "Chat without login (public documents only): set ui.users_file or "
            "security.trusted_proxies."
        )
    runtime.identities.append(session_reader)
    root = settings.ui.documents_root.resolve() if settings.ui.documents_root else None
    if root is None:
        logger.warning("Documents not served: set ui.documents_root to the indexed folder.")
    app.include_router(documents_router(runtime, root, login_required=login_required))
    parts.bind(
        parts.ChatParts(
            settings=settings,
            runtime=runtime,
            feedback=FeedbackStore(settings.data_dir / FEEDBACK_FILE),
            documents_root=root,
        )
    )

    import chainlit.config
    from chainlit.utils import mount_chainlit

    # Files Chainlit writes per session (the citations' text) go to the data folder, not
    # into the source tree; sessions end with the process, so older ones are dropped.
    files = (settings.data_dir / CHAT_FILES).resolve()
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir(parents=True, exist_ok=True)
    chainlit.config.FILES_DIRECTORY = files
    mount_chainlit(app, target=str(UI_ROOT / "chat.py"), path=CHAT_PATH)
    allow_chat_origins(app, settings.api.allowed_origins)
    app.add_middleware(OfflinePages, prefix=CHAT_PATH)
    # The proxy's headers are settled (believed or removed) before any layer reads them.
    app.user_middleware.sort(key=_not_proxy_guard)
    return app

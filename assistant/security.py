"""Who is calling, and the limits every caller meets.

- Identities: an API key (``X-API-Key`` or ``Authorization: Bearer``; stored hashed in
  ``security.api_keys_file``, each with its groups), or the user and groups a trusted
  reverse proxy names (``X-Remote-User`` / ``X-Remote-Groups``, believed only from the
  addresses of ``security.trusted_proxies``: ``IdentityHeaders`` removes them from any
  other request before anything reads them), else nobody: public documents only. A
  credential that is empty or of another kind (``Basic``…) is refused, never anonymous.
- Addresses: the client is the connection's peer, or, when that peer is a trusted proxy,
  the right-most address of ``X-Forwarded-For`` that is not one (``IdentityHeaders``
  again): the rate limit, the audit log and the access log all read that one.
- Limits: request bodies (``api.max_request_bytes``), requests per caller
  (``security.rate_limit``, with the ``limits`` library), security headers on every page.
- Secrets: outside ``dev``, an example value ("change-me"…) stops the start.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.settings import Environment, Settings
from connectors.errors import BoussoleError, ConfigurationError
from guardrails.access import Reader, normalise_groups

logger = logging.getLogger(__name__)

USER_HEADER = "X-Remote-User"
GROUPS_HEADER = "X-Remote-Groups"
API_KEY_HEADER = "X-API-Key"
KEY_PREFIX = "bsl_"
_MAX_NAME = 200

PLACEHOLDERS = (
    "changeme",
    "change-me",
    "change_me",
    "changethis",
    "your-secret",
    "your_secret",
    "placeholder",
    "secret",
    "password",
    "xxxx",
)


class AuthenticationError(BoussoleError):
    """An API key that matches no key of the keys file."""

    code = "authentification_refusee"
    http_status = 401


class LoginRequiredError(BoussoleError):
    """A route that serves no anonymous caller."""

    code = "authentification_requise"
    http_status = 401


class AccessDeniedError(BoussoleError):
    """A known caller outside the groups a route is for."""

    code = "acces_refuse"
    http_status = 403


class RateLimitedError(BoussoleError):
    """Too many requests from one caller; ``retry_after``: seconds to wait (Retry-After)."""

    code = "trop_de_requetes"
    http_status = 429

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# -- secrets -------------------------------------------------------------------------------


def is_placeholder(value: str) -> bool:
    """A secret that reads like an example value, or is too short to be one."""
    folded = value.strip().lower()
    return len(folded) < 16 or any(word in folded for word in PLACEHOLDERS)


def check_secrets(settings: Settings, environ: Mapping[str, str] = os.environ) -> list[str]:
    """The secrets that look like examples; outside ``dev`` any of them stops the start."""
    given = {
        "qdrant.api_key": settings.qdrant.api_key,
        "answer.openai.api_key": settings.answer.openai.api_key,
    }
    found = [
        name
        for name, secret in given.items()
        if secret is not None and is_placeholder(secret.get_secret_value())
    ]
    if "CHAINLIT_AUTH_SECRET" in environ and is_placeholder(environ["CHAINLIT_AUTH_SECRET"]):
        found.append("CHAINLIT_AUTH_SECRET")
    if found and settings.security.environment != Environment.DEV:
        raise ConfigurationError(
            "Secret(s) d'exemple refusé(s) hors développement : "
            + ", ".join(found)
            + ". Donnez de vraies valeurs (python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')."
        )
    for name in found:
        logger.warning("Example secret in %s (accepted in dev only)", name)
    return found


# -- API keys ------------------------------------------------------------------------------


def _digest(key: str) -> str:
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    """A key's name (who uses it), its stored hash and the groups it reads as."""

    name: str
    digest: str
    groups: tuple[str, ...]


def load_api_keys(path: Path) -> list[ApiKey]:
    """The keys file; a file that cannot be used stops the start, naming the entry."""
    try:
        data = yaml.safe_load(path.read_text("utf-8")) if path.exists() else {"keys": {}}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path} : fichier de clés d'API illisible ({exc}).") from exc
    entries = (data or {}).get("keys") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise ConfigurationError(f"{path} doit contenir « keys: {{nom: {{hash, groups}}}} ».")
    keys = []
    for name, entry in entries.items():
        where = f"{path} : clé « {name} »"
        digest = entry.get("hash") if isinstance(entry, dict) else None
        groups = entry.get("groups", []) if isinstance(entry, dict) else None
        if not isinstance(digest, str) or not digest.startswith("sha256:") or len(digest) != 71:
            raise ConfigurationError(f"{where} : « hash » doit valoir sha256:<64 hex>.")
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise ConfigurationError(f"{where} : « groups » doit être une liste de groupes.")
        keys.append(ApiKey(str(name), digest, tuple(groups)))
    return keys


def add_api_key(path: Path, name: str, groups: Iterable[str]) -> str:
    """Create a key for ``name``, store its hash in ``path`` and return the key (once)."""
    keys = load_api_keys(path)
    if any(key.name == name for key in keys):
        raise ConfigurationError(f"{path} : la clé « {name} » existe déjà.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    _write_api_keys(path, [*keys, ApiKey(name, _digest(key), tuple(sorted(set(groups))))])
    return key


def revoke_api_key(path: Path, name: str) -> ApiKey:
    """Remove ``name``'s key from ``path``; a running server refuses it at its next request."""
    keys = load_api_keys(path)
    found = next((key for key in keys if key.name == name), None)
    if found is None:
        known = ", ".join(sorted(key.name for key in keys)) or "aucune"
        raise ConfigurationError(f"{path} : aucune clé « {name} » (clés : {known}).")
    _write_api_keys(path, [key for key in keys if key.name != name])
    return found


def _write_api_keys(path: Path, keys: Iterable[ApiKey]) -> None:
    entries = {key.name: {"hash": key.digest, "groups": list(key.groups)} for key in keys}
    replace_private_file(
        path, yaml.safe_dump({"keys": entries}, allow_unicode=True, sort_keys=True)
    )


def replace_private_file(path: Path, text: str) -> None:
    """``path`` rewritten whole with ``text``, readable by its owner only, swapped in at once.

    For the files that hold secrets' hashes (API keys, chat accounts): a reader never sees a
    half-written file, and nobody else may read it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


class ApiKeys:
    """Check presented keys against the stored hashes.

    Built with ``watching(path)``, it rereads the file when it changes (a key added or
    revoked with ``boussole keys``), so a running server needs no restart. A file that
    becomes unreadable or invalid refuses every key until it is fixed: a revoked key must
    never come back because the file was being edited.
    """

    def __init__(self, keys: Iterable[ApiKey], path: Path | None = None) -> None:
        self.keys = list(keys)
        self.path = path
        self._stamp = _file_stamp(path) if path else None
        self._lock = threading.Lock()

    @classmethod
    def watching(cls, path: Path) -> ApiKeys:
        """The keys of ``path`` (a bad file stops the start), reread when it changes."""
        return cls(load_api_keys(path), path)

    def _current(self) -> list[ApiKey]:
        if self.path is None:
            return self.keys
        stamp = _file_stamp(self.path)
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    try:
                        self.keys = load_api_keys(self.path)
                    except ConfigurationError as exc:
                        logger.error("API keys refused until the file is fixed: %s", exc.message)
                        self.keys = []
                    self._stamp = stamp
        return self.keys

    def reader(self, presented: str) -> Reader:
        """The reader a key stands for; an unknown key is refused, never read as anonymous."""
        digest = _digest(presented.strip())
        found = None
        for key in self._current():  # every key compared, in constant time
            if hmac.compare_digest(key.digest, digest):
                found = key
        if found is None:
            raise AuthenticationError("Clé d'API inconnue ou révoquée.")
        return Reader.of(f"cle:{found.name}", found.groups)


def _file_stamp(path: Path) -> tuple[int, int, int] | None:
    """What changes when the file is rewritten (replaced, edited): None when it is absent."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


# -- identities ----------------------------------------------------------------------------


def _clean(value: str) -> str:
    value = value.strip()
    if len(value) > _MAX_NAME or any(ord(char) < 32 for char in value):
        return ""
    return value


def header_identity(headers: Mapping[str, str]) -> tuple[str, tuple[str, ...]] | None:
    """The user and groups a reverse proxy names, None when it names nobody."""
    lowered = {key.lower(): value for key, value in headers.items()}
    identifier = _clean(lowered.get(USER_HEADER.lower(), ""))
    if not identifier:
        return None
    groups = [_clean(group) for group in lowered.get(GROUPS_HEADER.lower(), "").split(",")]
    return identifier, tuple(group for group in groups if group)


ACCEPTED_CREDENTIALS = (
    "donnez une clé d'API dans l'en-tête X-API-Key ou « Authorization: Bearer <clé> », "
    "ou n'envoyez aucun de ces en-têtes (documents publics seulement)."
)


def presented_key(headers: Mapping[str, str], *, proxy_login: bool = False) -> str | None:
    """The API key given with the request (``X-API-Key`` or ``Bearer``); None when none is.

    A credential that cannot be a key (empty, ``Basic``, any other scheme) is refused
    rather than read as anonymous: the caller meant to be someone. Behind a trusted proxy
    that names the user (``proxy_login``), another scheme, or a bearer token that is no
    Boussole key, is the proxy's own login, left to it.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    if API_KEY_HEADER.lower() in lowered:
        key = lowered[API_KEY_HEADER.lower()].strip()
        if not key:
            raise AuthenticationError("Clé d'API vide : " + ACCEPTED_CREDENTIALS)
        return key
    if "authorization" not in lowered:
        return None
    scheme, _, value = lowered["authorization"].strip().partition(" ")
    if scheme.lower() != "bearer":
        if proxy_login and scheme:
            return None
        raise AuthenticationError(
            "Type d'authentification refusé (seules les clés d'API sont acceptées) : "
            + ACCEPTED_CREDENTIALS
        )
    if not value.strip():
        raise AuthenticationError("Clé d'API vide : " + ACCEPTED_CREDENTIALS)
    if proxy_login and not value.strip().startswith(KEY_PREFIX):
        return None
    return value.strip()


# Headers only a reverse proxy may set: who the user is, and where the request came from.
PROXY_HEADERS = frozenset(
    name.encode()
    for name in (
        USER_HEADER.lower(),
        GROUPS_HEADER.lower(),
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-forwarded-port",
        "x-forwarded-prefix",
        "x-real-ip",
        "forwarded",
    )
)
UNKNOWN_CLIENT = "inconnu"


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address of one ``X-Forwarded-For`` hop (``a.b.c.d``, ``a.b.c.d:port``, ``[v6]:port``)."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """Whether an address (a request's client) is this machine's loopback."""
    address = _ip(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address is not None and address.is_loopback


class IdentityHeaders:
    """Believe the headers a reverse proxy sets only from ``security.trusted_proxies``.

    Pure ASGI, outermost (API and chat). From any other peer, the identity headers and the
    ``X-Forwarded-*`` ones are removed before anything reads them; from a trusted proxy, the
    client becomes the right-most ``X-Forwarded-For`` address that is not a trusted proxy
    (earlier ones are whatever the client wrote) and the scheme ``X-Forwarded-Proto``'s.
    The scope is changed in place, so that the server's access log shows that client.
    Uvicorn's own proxy-header handling must stay off (``boussole serve`` does so): it
    would replace the peer before this check, believing 127.0.0.1 by default.
    """

    def __init__(self, app: ASGIApp, trusted: Iterable[str]) -> None:
        self.app = app
        self.networks = [ipaddress.ip_network(item, strict=False) for item in trusted]

    def trusted_address(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        """Whether an address belongs to a configured proxy."""
        return any(address in network for network in self.networks)

    def trusts(self, scope: Scope) -> bool:
        """Whether the peer of this connection is a configured proxy."""
        client = scope.get("client")
        if not client or not self.networks:
            return False
        address = _ip(str(client[0]))
        return address is not None and self.trusted_address(address)

    def forwarded_client(self, hops: list[str]) -> str | None:
        """The client a chain of ``X-Forwarded-For`` hops names; None when it names none.

        Each proxy appends its peer: reading from the right, the first address that is no
        trusted proxy is the one a trusted proxy saw. A hop that is no address there means
        the chain cannot be believed: the client is unknown.
        """
        hops = [hop.strip() for hop in hops if hop.strip()]
        for hop in reversed(hops):
            address = _ip(hop)
            if address is None:
                return UNKNOWN_CLIENT
            if not self.trusted_address(address):
                return str(address)
        first = _ip(hops[0]) if hops else None
        return str(first) if first is not None else None

    def believe(self, scope: Scope) -> None:
        """Take the client and scheme a trusted proxy forwarded."""
        hops: list[str] = []
        proto = None
        for name, value in scope["headers"]:
            if name.lower() == b"x-forwarded-for":
                hops += value.decode("latin-1").split(",")
            elif name.lower() == b"x-forwarded-proto":
                proto = value.decode("latin-1").split(",")[0].strip().lower()
        client = self.forwarded_client(hops)
        if client is not None:
            scope["client"] = (client, 0)
        if proto in ("http", "https"):
            websocket = scope["type"] == "websocket"
            scope["scheme"] = proto.replace("http", "ws") if websocket else proto

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, its proxy headers believed or removed."""
        if scope["type"] in ("http", "websocket"):
            if self.trusts(scope):
                self.believe(scope)
            else:
                scope["headers"] = [
                    (k, v) for k, v in scope["headers"] if k.lower() not in PROXY_HEADERS
                ]
        await self.app(scope, receive, send)


def check_metrics_reader(reader: Reader, client: str, settings: Settings) -> None:
    """Refuse ``GET /metrics`` (API key names, usage) to whom the settings do not name.

    ``client`` is the request's client as ``IdentityHeaders`` left it: the real peer, or the
    address a trusted proxy forwarded (a request through a proxy is not a local one).
    """
    security = settings.security
    wanted = set(normalise_groups(security.metrics_groups))
    if wanted & set(reader.groups) or (security.metrics_from_loopback and is_loopback(client)):
        return
    where = "réglage security.metrics_groups : " + (", ".join(sorted(wanted)) or "aucun")
    if reader.name == Reader.anonymous().name:
        raise LoginRequiredError(
            f"Les métriques demandent une clé d'API ou un compte d'un groupe autorisé ({where})"
            + (", ou un appel depuis cette machine." if security.metrics_from_loopback else ".")
        )
    raise AccessDeniedError(f"Les métriques sont réservées à certains groupes ({where}).")


# -- limits --------------------------------------------------------------------------------


class RateLimiter:
    """Requests per caller in a moving window (the ``limits`` library, in memory)."""

    def __init__(self, rate: str) -> None:
        self.item = parse(rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, caller: str) -> None:
        """Count one request of ``caller``; refused in French over the rate."""
        if not self.limiter.hit(self.item, caller):
            stats = self.limiter.get_window_stats(self.item, caller)
            wait = max(1, int(stats.reset_time - time.time()))
            raise RateLimitedError(f"Trop de requêtes : réessayez dans {wait} s.", wait)


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"code": code, "message": message}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (413), declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count what is read."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = (
            f"Requête trop volumineuse : {self.limit} octets au plus (réglage "
            "api.max_request_bytes)."
        )
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.limit:
                await _send_error(send, 413, "requete_trop_volumineuse", message)
                return
            await self.app(scope, receive, send)
            return
        # No declared length (chunked): read the body first, up to the limit, then replay it.
        chunks: list[bytes] = []
        size = 0
        while True:
            item = await receive()
            if item["type"] != "http.request":
                return  # the client left
            chunk = item.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _send_error(send, 413, "requete_trop_volumineuse", message)
                return
            chunks.append(chunk)
            if not item.get("more_body", False):
                break
        pending = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay() -> Message:
            return pending.pop() if pending else await receive()

        await self.app(scope, replay, send)


class ScopedCors:
    """CORS for every path but those under the ``exempt`` prefixes, which answer their own.

    A sub-application with its own CORS (the chat, whose widget sends its session cookie)
    must not have its preflight requests answered, differently, by the API's.
    """

    def __init__(self, app: ASGIApp, /, *, exempt: Iterable[str] = (), **cors: Any) -> None:
        self.app = app
        self.exempt = tuple(exempt)
        self.cors = CORSMiddleware(app, **cors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Straight through under an exempt prefix, through the CORS check elsewhere."""
        path = scope.get("path", "")
        if any(path == prefix or path.startswith(prefix + "/") for prefix in self.exempt):
            await self.app(scope, receive, send)
        else:
            await self.cors(scope, receive, send)


# Pages may load only what this server serves: nothing leaves the machine, even by mistake.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; "
    "media-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)
SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"SAMEORIGIN",
    b"cross-origin-opener-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
    b"content-security-policy": CONTENT_SECURITY_POLICY.encode(),
}


class SecurityHeaders:
    """Add the security headers to every response that does not set its own.

    Pages may be framed by this server and by the ``framers`` (``api.allowed_origins``).
    """

    def __init__(self, app: ASGIApp, framers: Iterable[str] = ()) -> None:
        self.app = app
        framers = list(framers)
        self.headers = dict(SECURITY_HEADERS)
        if framers:
            policy = CONTENT_SECURITY_POLICY.replace(
                "frame-ancestors 'self'", "frame-ancestors 'self' " + " ".join(framers)
            )
            self.headers[b"content-security-policy"] = policy.encode()
            del self.headers[b"x-frame-options"]  # superseded by frame-ancestors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass through, completing the response's headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers.items() if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)

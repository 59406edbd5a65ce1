"""The HTTP API: ``create_app(settings)`` builds everything; nothing happens at import."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import factory
from assistant.answerability import AnswerabilityGate
from assistant.answering import Answer, AnswerEvent, AnswerService, Writer
from assistant.audit import AuditLog
from assistant.conventions import ConventionCard, ConventionScope, ConventionSearch
from assistant.datasets import DatasetCard, DatasetSearch, parse_bbox
from assistant.links import CatalogueLinks
from assistant.llm import make_writer
from assistant.search import Hit, SearchService
from assistant.security import (
    UNKNOWN_CLIENT,
    ApiKeys,
    AuthenticationError,
    BodyLimit,
    IdentityHeaders,
    RateLimiter,
    ScopedCors,
    SecurityHeaders,
    check_metrics_reader,
    check_secrets,
    header_identity,
    presented_key,
)
from assistant.settings import SearchMode, Settings
from assistant.usage import UsageMetrics, UsageMiddleware
from connectors.conventions.document import key
from connectors.conventions.register import convention_row
from connectors.errors import BoussoleError, ConfigurationError, IndexUnavailableError
from guardrails.access import Reader
from indexing.store import QdrantStore, SearchFilters

logger = logging.getLogger(__name__)


class Filters(BaseModel):
    """What a search may be restricted to."""

    kind: list[Annotated[str, Field(pattern="^(procedure|catalogue|convention)$")]] = Field(
        default_factory=list, description="Types de documents"
    )
    path_prefix: str | None = Field(
        default=None, max_length=500, description="Dossier, relatif à la racine indexée"
    )


class SearchRequest(BaseModel):
    """A search query."""

    query: str = Field(min_length=1, max_length=2000, description="La question, en français")
    k: int = Field(default=5, ge=1, le=50, description="Nombre de passages")
    mode: SearchMode | None = Field(default=None, description="hybrid (défaut), dense ou sparse")
    filters: Filters = Field(default_factory=Filters)


class HitOut(BaseModel):
    """One passage and what a citation needs."""

    rank: int
    score: float
    source_path: str = Field(
        description="Clé du document pour /documents/… ; à ne pas afficher : display_path"
    )
    display_path: str = Field(
        description="Chemin à afficher, les noms de personnes qu'il contenait remplacés"
    )
    title: str
    kind: str
    page: int | None
    heading: str | None
    text: str
    snippet: str


class SearchResponse(BaseModel):
    """Ranked passages."""

    query: str
    mode: SearchMode
    took_ms: float
    hits: list[HitOut]


class DatasetsResponse(BaseModel):
    """Catalogue records for a described need."""

    query: str
    cards: list[DatasetCard]


class ConventionsSearchResponse(BaseModel):
    """Conventions that answer a question, and the filters read from it."""

    query: str
    filtres_appliques: list[str] = Field(
        description="Filtres lus dans la question ou donnés (partie, jeu de données, échéance)"
    )
    filtres_relaches: bool = Field(
        description="Vrai quand les filtres ne laissaient rien : résultats sans filtre"
    )
    cards: list[ConventionCard]


class AskRequest(BaseModel):
    """A question to answer."""

    question: str = Field(min_length=1, max_length=2000, description="La question, en français")
    filters: Filters = Field(default_factory=Filters)
    mode: SearchMode | None = Field(default=None, description="hybrid (défaut), dense ou sparse")
    stream: bool = Field(
        default=False,
        description="Vrai : réponse en flux SSE (événements sources, text, answer)",
    )


class ErrorOut(BaseModel):
    """Error body: a stable code and a French message."""

    code: str
    message: str


class FieldError(BaseModel):
    """One field of a request that cannot be used, and why (in French)."""

    champ: str
    erreur: str


class ValidationErrorOut(ErrorOut):
    """Error body of a request whose fields cannot be used."""

    details: list[FieldError]


# Every error the API answers has the same shape ({code, message}, French).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    **{status: {"model": ErrorOut} for status in (400, 401, 403, 404, 413, 429, 500, 503)},
    422: {"model": ValidationErrorOut},
}
# Starlette's own refusals (unreadable body, unknown route, wrong method), in French.
HTTP_ERRORS = {
    400: (
        "corps_illisible",
        "Corps de requête illisible : envoyez un objet JSON valide, encodé en UTF-8 et sans "
        "imbrication excessive.",
    ),
    404: ("route_inconnue", "Adresse inconnue : la liste des routes de l'API est sur /docs."),
    405: (
        "methode_non_autorisee",
        "Méthode non autorisée pour cette adresse : la liste des routes de l'API est sur /docs.",
    ),
}
# Pydantic's error types, said in French (its own messages are English).
FIELD_ERRORS = {
    "missing": "champ obligatoire",
    "string_type": "texte attendu",
    "string_unicode": "texte attendu",
    "string_too_short": "au moins {min_length} caractère(s)",
    "string_too_long": "au plus {max_length} caractères",
    "string_pattern_mismatch": "valeur non reconnue (forme attendue : {pattern})",
    "too_short": "au moins {min_length} élément(s)",
    "too_long": "au plus {max_length} éléments",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "float_type": "nombre attendu",
    "float_parsing": "nombre attendu",
    "greater_than_equal": "doit valoir au moins {ge}",
    "greater_than": "doit dépasser {gt}",
    "less_than_equal": "doit valoir au plus {le}",
    "less_than": "doit rester sous {lt}",
    "bool_type": "booléen attendu (true ou false)",
    "bool_parsing": "booléen attendu (true ou false)",
    "list_type": "liste attendue",
    "dict_type": "objet JSON attendu",
    "model_type": "objet JSON attendu",
    "model_attributes_type": "objet JSON attendu",
    "enum": "valeur attendue parmi : {expected}",
    "literal_error": "valeur attendue parmi : {expected}",
    "date_type": "date attendue (AAAA-MM-JJ)",
    "date_parsing": "date attendue (AAAA-MM-JJ)",
    "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ)",
    "date_from_datetime_inexact": "date attendue (AAAA-MM-JJ), sans heure",
    "extra_forbidden": "champ inconnu",
}
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_LOCATIONS = {"body", "query", "path", "header", "cookie"}


def field_name(loc: Iterable[Any]) -> str:
    """A field as the caller wrote it (``filters.kind[0]``), from a validation error's ``loc``.

    Only the schema's names and list positions: never a byte offset, never a key the
    caller made up.
    """
    name = ""
    for index, part in enumerate(loc):
        if index == 0 and part in _LOCATIONS:
            continue
        if isinstance(part, int):
            name += f"[{part}]"
        elif isinstance(part, str) and _FIELD_NAME.fullmatch(part):
            name += f".{part}" if name else part
    return name or "(corps)"


def field_error(error: Mapping[str, Any]) -> str:
    """What is wrong with one field, in French (a generic phrase for the rare types)."""
    context = {
        key: str(value).replace(" or ", " ou ")
        for key, value in (error.get("ctx") or {}).items()
        if isinstance(value, (str, int, float))
    }
    try:
        return FIELD_ERRORS[str(error.get("type"))].format(**context)
    except (KeyError, IndexError):
        return "valeur invalide"


def unreadable_json(exc: RequestValidationError) -> str | None:
    """Where a body that is not JSON breaks (line, column), None when the body is JSON."""
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            document = exc.body if isinstance(exc.body, str) else ""
            offset = error["loc"][-1] if isinstance(error["loc"][-1], int) else 0
            line = document.count("\n", 0, offset) + 1
            column = offset - (document.rfind("\n", 0, offset) + 1) + 1
            return (
                f"Corps de requête illisible : ce n'est pas du JSON valide (ligne {line}, "
                f"colonne {column})."
            )
    return None


class Runtime:
    """Parts built once at start-up, shared by the API and the chat (``app.state.runtime``).

    Services come per reader: the same index, model and settings, seeing only what the
    reader's groups may see.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: QdrantStore | None = None
        self.service: SearchService | None = None
        self.writer: Writer | None = None
        self.gate: AnswerabilityGate | None = None
        self.model: str = ""
        self.unavailable: str | None = None
        security = settings.security
        self.api_keys = ApiKeys.watching(security.api_keys_file) if security.api_keys_file else None
        self.limiter = RateLimiter(security.rate_limit)
        self.audit_log = (
            AuditLog(settings.audit_file, settings.audit) if settings.audit.enabled else None
        )
        # Other ways to know a caller (the chat's session, added by ui/server.py).
        self.identities: list[Callable[[Request], Reader | None]] = []
        self.usage = UsageMetrics()

    def reader(self, request: Request) -> Reader:
        """Who calls: an API key, a trusted proxy's user, another identity, else anonymous."""
        proxy_login = bool(self.settings.security.trusted_proxies) and (
            header_identity(request.headers) is not None
        )
        key = presented_key(request.headers, proxy_login=proxy_login)
        if key is not None:
            if self.api_keys is None:
                raise AuthenticationError(
                    "Clé d'API refusée : aucune clé n'est configurée (réglage "
                    "security.api_keys_file)."
                )
            return self.api_keys.reader(key)
        if self.settings.security.trusted_proxies:  # headers of anyone else were removed
            named = header_identity(request.headers)
            if named is not None:
                return Reader.of(*named)
        for identify in self.identities:
            found = identify(request)
            if found is not None:
                return found
        return Reader.anonymous()

    def admit(self, reader: Reader, request: Request) -> None:
        """Count the request against the caller's rate (anonymous ones by address)."""
        known = reader.name != Reader.anonymous().name
        self.limiter.check(reader.name if known else f"adresse:{client_address(request)}")

    def search_service(self, reader: Reader) -> SearchService:
        """The search service for ``reader``; a French reason when the index is off."""
        if self.service is None:
            raise IndexUnavailableError(
                self.unavailable or "Le service démarre ; réessayez dans un instant."
            )
        return self.service.as_reader(reader)

    def answer_service(self, reader: Reader) -> AnswerService:
        """The answer service for ``reader`` (the writer is built on first use)."""
        search = self.search_service(reader)
        if self.writer is None:
            self.writer = make_writer(self.settings.answer, search.sparse, search.expander)
        if self.gate is None:
            self.gate = factory.make_gate(self.settings, search)
        return factory.make_answer_service(
            self.settings, search, writer=self.writer, gate=self.gate
        )

    def links(self, reader: Reader) -> CatalogueLinks | None:
        """Convention-record links ``reader`` may see; an unreadable register loses them."""
        if self.service is None:
            return None
        try:
            return factory.catalogue_links(self.settings, self.search_service(reader))
        except BoussoleError as exc:
            logger.warning("Conventions register unavailable for links: %s", exc.message)
            return None

    def audit(
        self,
        reader: Reader,
        endpoint: str,
        query: str,
        documents: Iterable[str],
        *,
        address: str | None = None,
    ) -> None:
        """One line of the audit log (when it is on); ``address``: the caller's client."""
        if self.audit_log is not None:
            self.audit_log.record(
                user=reader.name,
                endpoint=endpoint,
                query=query,
                documents=documents,
                address=address,
            )


def _sse(events: Iterator[AnswerEvent], done: Callable[[Answer], Any]) -> Iterator[str]:
    """Server-sent events: ``sources``, then ``text`` pieces, then the whole ``answer``.

    An error after the stream has started cannot change the status code: it becomes an
    ``error`` event with the same French message as the JSON errors.
    """

    def event(name: str, data: Any) -> str:
        return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    try:
        for item in events:
            if item.kind == "sources":
                yield event("sources", [asdict(source) for source in item.sources])
            elif item.kind == "text":
                yield event("text", {"text": item.text})
            elif item.answer is not None:
                done(item.answer)
                yield event("answer", asdict(item.answer))
    except BoussoleError as exc:
        yield event("error", {"code": exc.code, "message": exc.message})
    except Exception:
        logger.exception("Answer stream failed")
        yield event("error", {"code": "erreur_interne", "message": "Erreur interne du serveur."})


def caller(request: Request) -> Reader:
    """Who calls (``Runtime.reader``), counted against their rate: every route's first step."""
    runtime: Runtime = request.app.state.runtime
    reader = runtime.reader(request)
    request.state.reader = reader  # for the usage metrics (per application)
    runtime.admit(reader, request)
    return reader


Caller = Annotated[Reader, Depends(caller)]


def client_address(request: Request) -> str:
    """The caller's address: the peer, or what a trusted proxy forwarded (``IdentityHeaders``)."""
    return request.client.host if request.client else UNKNOWN_CLIENT


Address = Annotated[str, Depends(client_address)]


def documents_of(hits: Iterable[Hit]) -> list[str]:
    """The ids of the documents behind some hits, for the audit log."""
    return [str(hit.payload.get("doc_id") or hit.source_path) for hit in hits]


def create_app(settings: Settings, *, cors_exempt: tuple[str, ...] = ()) -> FastAPI:
    """Build the API for the given settings.

    ``cors_exempt``: path prefixes of mounted applications that answer their own CORS.
    """
    check_secrets(settings)  # outside dev, an example secret stops here
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        runtime.store = factory.open_store(settings)
        embedder = factory.load_embedder(settings)
        runtime.model = embedder.name
        try:
            runtime.service = factory.make_search_service(settings, embedder, runtime.store)
        except IndexUnavailableError as exc:  # serve /health and say why search is off
            logger.error("Search unavailable: %s", exc.message)
            runtime.unavailable = exc.message
        try:
            yield
        finally:
            runtime.store.close()

    app = FastAPI(
        title="Boussole API",
        description="Recherche dans les procédures, la réglementation, le catalogue et les "
        "conventions de la Province Sud. Les chemins renvoyés sont relatifs à la racine indexée.",
        version="0.1.0",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state.runtime = runtime  # the chat (ui/server.py) shares these parts
    app.add_middleware(SecurityHeaders, framers=settings.api.allowed_origins)
    if settings.api.allowed_origins:
        app.add_middleware(
            ScopedCors,
            exempt=cors_exempt,
            allow_origins=settings.api.allowed_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept", "Authorization", "X-API-Key"],
            max_age=600,
        )
    app.add_middleware(BodyLimit, limit=settings.api.max_request_bytes)
    app.add_middleware(UsageMiddleware, metrics=runtime.usage)
    # Outermost: the client, the scheme and the identity are settled before anyone reads them.
    app.add_middleware(IdentityHeaders, trusted=settings.security.trusted_proxies)

    @app.exception_handler(BoussoleError)
    async def _domain_error(_: Request, exc: BoussoleError) -> JSONResponse:
        wait = getattr(exc, "retry_after", None)
        return JSONResponse(
            status_code=exc.http_status,
            content={"code": exc.code, "message": exc.message},
            headers={"Retry-After": str(wait)} if wait is not None else None,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = HTTP_ERRORS.get(
            exc.status_code, ("requete_refusee", f"Requête refusée (HTTP {exc.status_code}).")
        )
        return JSONResponse(
            status_code=exc.status_code,
            content={"code": code, "message": message},
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        unreadable = unreadable_json(exc)
        if unreadable is not None:
            return JSONResponse(
                status_code=400, content={"code": "corps_illisible", "message": unreadable}
            )
        details = [
            {"champ": field_name(error["loc"]), "erreur": field_error(error)}
            for error in exc.errors()
        ]
        fields = ", ".join(dict.fromkeys(detail["champ"] for detail in details))
        return JSONResponse(
            status_code=422,
            content={
                "code": "requete_invalide",
                "message": f"Requête invalide : vérifiez le(s) champ(s) {fields}.",
                "details": details,
            },
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("Unhandled error", exc_info=exc)
        return JSONResponse(
            status_code=500,
            content={"code": "erreur_interne", "message": "Erreur interne du serveur."},
        )

    @app.get(
        "/metrics",
        summary="Dernière réindexation et usage par application, au format Prometheus",
        response_class=PlainTextResponse,
    )
    def metrics(request: Request) -> str:
        from assistant.metrics import render

        reader = runtime.reader(request)  # a bad credential is refused, even from here
        request.state.reader = reader
        try:
            check_metrics_reader(reader, client_address(request), settings)
        except BoussoleError:
            runtime.admit(reader, request)  # refusals count against the rate; scrapes do not
            raise
        store = runtime.store
        chunks = store.count() if store is not None else 0
        return render(settings.data_dir / "state", chunks) + runtime.usage.render()

    @app.get("/health", summary="État du service")
    def health() -> dict[str, Any]:
        store = runtime.store
        chunks = store.count() if store is not None else 0
        status = "ok" if chunks else "index_vide"
        if runtime.unavailable:
            status = "index_incompatible"
        return {
            "status": status,
            "model": runtime.model,
            "collection": settings.qdrant.collection,
            "backend": "serveur" if settings.qdrant.url else "local",
            "chunks": chunks,
        }

    @app.post("/search", response_model=SearchResponse, summary="Chercher des passages")
    async def search(request: SearchRequest, reader: Caller, address: Address) -> SearchResponse:
        filters = SearchFilters(
            kinds=tuple(request.filters.kind), path_prefix=request.filters.path_prefix
        )
        result = await run_in_threadpool(
            runtime.search_service(reader).search,
            request.query,
            k=request.k,
            mode=request.mode,
            filters=filters,
        )
        runtime.audit(reader, "/search", request.query, documents_of(result.hits), address=address)
        return SearchResponse(
            query=result.query,
            mode=result.mode,
            took_ms=result.took_ms,
            hits=[HitOut(**hit.__dict__, snippet=hit.snippet()) for hit in result.hits],
        )

    @app.post(
        "/ask",
        response_model=Answer,
        summary="Répondre à une question, avec citations",
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def ask(request: AskRequest, http: Request, reader: Caller, address: Address) -> Any:
        answerer = runtime.answer_service(reader)
        filters = SearchFilters(
            kinds=tuple(request.filters.kind), path_prefix=request.filters.path_prefix
        )

        def audited(answer: Answer) -> Answer:
            shown = answer.sources if answer.abstained else answer.citations
            documents = [c.source_path for c in shown]
            runtime.audit(reader, "/ask", request.question, documents, address=address)
            return answer

        wants_stream = request.stream or "text/event-stream" in http.headers.get("accept", "")
        if not wants_stream:
            answer = await run_in_threadpool(
                answerer.answer, request.question, filters=filters, mode=request.mode
            )
            return audited(answer)
        events = answerer.stream(request.question, filters=filters, mode=request.mode)
        return StreamingResponse(_sse(events, audited), media_type="text/event-stream")

    @app.get("/datasets", response_model=DatasetsResponse, summary="Chercher des jeux de données")
    async def datasets(
        q: Annotated[str, Query(min_length=1, max_length=2000, description="Le besoin décrit")],
        k: Annotated[int, Query(ge=1, le=50)] = 10,
        theme: Annotated[str | None, Query(max_length=200, description="Thème")] = None,
        bbox: Annotated[
            str | None, Query(max_length=100, description="ouest,sud,est,nord en degrés")
        ] = None,
        updated_after: Annotated[date | None, Query(description="AAAA-MM-JJ")] = None,
        mode: SearchMode | None = None,
        *,
        reader: Caller,
        address: Address,
    ) -> DatasetsResponse:
        finder = DatasetSearch(runtime.search_service(reader), links=runtime.links(reader))
        cards = await run_in_threadpool(
            finder.search,
            q,
            k=k,
            theme=theme,
            bbox=parse_bbox(bbox) if bbox else None,
            updated_after=updated_after,
            mode=mode,
        )
        documents = [card.source_path for card in cards]
        runtime.audit(reader, "/datasets", q, documents, address=address)
        return DatasetsResponse(query=q, cards=cards)

    @app.get(
        "/conventions/search",
        response_model=ConventionsSearchResponse,
        summary="Chercher dans les conventions (filtres lus dans la question)",
    )
    def conventions_search(
        q: Annotated[str, Query(min_length=1, max_length=2000, description="La question")],
        k: Annotated[int, Query(ge=1, le=20)] = 5,
        party: Annotated[str | None, Query(max_length=200, description="Partie")] = None,
        dataset: Annotated[str | None, Query(max_length=200, description="Jeu de données")] = None,
        ends_before: Annotated[
            date | None, Query(description="Fin au plus tard (AAAA-MM-JJ)")
        ] = None,
        ends_after: Annotated[
            date | None, Query(description="Fin à partir du (AAAA-MM-JJ)")
        ] = None,
        today: Annotated[date | None, Query(description="Date de référence (AAAA-MM-JJ)")] = None,
        mode: SearchMode | None = None,
        *,
        reader: Caller,
        address: Address,
    ) -> ConventionsSearchResponse:
        given = None
        if party or dataset or ends_before or ends_after:
            given = ConventionScope(
                parties=(key(party),) if party else (),
                party_names=(party,) if party else (),
                dataset=key(dataset) if dataset else None,
                ends_after=ends_after,
                ends_before=ends_before,
            )
        finder = ConventionSearch(
            runtime.search_service(reader),
            own_names=settings.conventions.own_names,
            links=runtime.links(reader),
        )
        result = finder.search(q, today=today or date.today(), k=k, scope=given, mode=mode)
        documents = [c.source_path for c in result.cards]
        runtime.audit(reader, "/conventions/search", q, documents, address=address)
        return ConventionsSearchResponse(
            query=q,
            filtres_appliques=result.understood,
            filtres_relaches=result.relaxed,
            cards=result.cards,
        )

    @app.get("/conventions", summary="Conventions d'échange du registre")
    def conventions(
        expiring_within: Annotated[
            int | None, Query(ge=1, le=3650, description="Échéance dans ce nombre de jours")
        ] = None,
        party: Annotated[str | None, Query(max_length=200, description="Partie")] = None,
        dataset: Annotated[str | None, Query(max_length=200, description="Jeu de données")] = None,
        status: Annotated[
            str | None, Query(max_length=40, description="en vigueur, expirée, résiliée…")
        ] = None,
        today: Annotated[date | None, Query(description="Date de référence (AAAA-MM-JJ)")] = None,
        *,
        reader: Caller,
        address: Address,
    ) -> dict[str, Any]:
        register, _ = factory.load_conventions_register(settings)
        if register is None:
            raise ConfigurationError(
                "Aucun registre des conventions n'est configuré (réglage "
                "conventions.register_file)."
            )
        day = today or date.today()
        # One read of the register and the index: the links hold the rows the reader sees.
        linked = CatalogueLinks.for_reader(
            runtime.search_service(reader),
            register.conventions,
            settings.access.default_groups.get("convention", []),
        )
        visible = {convention.id for convention in linked.conventions}
        chosen = [
            convention
            for convention in register.select(
                today=day,
                expiring_within=expiring_within,
                party=party,
                dataset=dataset,
                status=status,
            )
            if convention.id in visible
        ]
        asked = party or dataset or ""
        runtime.audit(reader, "/conventions", asked, [c.id for c in chosen], address=address)
        return {
            "date": day.isoformat(),
            "conventions": [
                convention_row(convention, day)
                | {
                    "fiches_catalogue": [
                        asdict(link) for link in linked.records_for(convention.datasets)
                    ]
                }
                for convention in chosen
            ],
            # The register's problems name rows and files: for those who see every row.
            "problems": [{"where": p.where, "reason": p.reason} for p in register.problems]
            if len(visible) == len(register.conventions)
            else [],
        }

    return app

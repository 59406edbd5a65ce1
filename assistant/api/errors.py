"""Errors at the edge: domain errors, Starlette's refusals and bad fields, all {code, message}.

Every error the API answers has one shape (``ErrorOut``), in French; anything unexpected
becomes a generic 500 that names nothing internal.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api.schemas import ErrorOut, ValidationErrorOut
from connectors.errors import BoussoleError

logger = logging.getLogger(__name__)

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


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to ``{code, message}`` (422s add the fields, in French)."""

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

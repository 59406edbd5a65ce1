"""``GET /health``: whether the service can answer, over which index."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from assistant.api.deps import Parts

router = APIRouter(tags=["exploitation"])


@router.get(
    "/health",
    summary="État du service",
    description="Ouvert à tous, sans clé (sonde d'un répartiteur de charge) : état, modèle, "
    "génération de l'index local en service, nombre de passages.",
)
def health(parts: Parts) -> dict[str, Any]:
    """Open to all (a load balancer's probe): no query, no document, no key."""
    served = parts.served
    chunks = parts.chunks()
    status = "ok" if chunks else "index_vide"
    if served is not None and served.unavailable:
        status = "index_incompatible"
    return {
        "status": status,
        "model": parts.model,
        "collection": parts.settings.qdrant.collection,
        "backend": "serveur" if parts.settings.qdrant.url else "local",
        # The embedded index's generation in use (it changes when a reindex is published).
        "generation": served.folder.name if served is not None and served.folder else None,
        "chunks": chunks,
    }

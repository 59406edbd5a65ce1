"""What the API reads and returns: request and response bodies, with examples."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from assistant.conventions import ConventionCard
from assistant.datasets import DatasetCard
from assistant.settings import SearchMode
from indexing.store import SearchFilters


class Filters(BaseModel):
    """What a search may be restricted to."""

    kind: list[Annotated[str, Field(pattern="^(procedure|catalogue|convention)$")]] = Field(
        default_factory=list, description="Types de documents"
    )
    path_prefix: str | None = Field(
        default=None, max_length=500, description="Dossier, relatif à la racine indexée"
    )

    def search_filters(self) -> SearchFilters:
        """The store's filters for these."""
        return SearchFilters(kinds=tuple(self.kind), path_prefix=self.path_prefix)


class SearchRequest(BaseModel):
    """A search query."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"query": "Comment demander un accès VPN en télétravail ?", "k": 5},
                {
                    "query": "durée de conservation des journaux de connexion",
                    "k": 3,
                    "mode": "hybrid",
                    "filters": {"kind": ["procedure"]},
                },
            ]
        }
    )

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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"question": "Sous quel délai faut-il notifier une violation de données ?"},
                {
                    "question": "Quelles conventions d'échange arrivent à échéance cette année ?",
                    "filters": {"kind": ["convention"]},
                    "stream": False,
                },
            ]
        }
    )

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

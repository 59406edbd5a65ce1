"""``/conventions``: the exchange conventions' register, and a search through them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from assistant import factory
from assistant.api.deps import Address, Caller, Parts
from assistant.api.schemas import ConventionsSearchResponse
from assistant.conventions import ConventionScope, ConventionSearch
from assistant.links import CatalogueLinks
from assistant.settings import SearchMode
from connectors.conventions.document import key
from connectors.conventions.register import convention_row
from connectors.errors import ConfigurationError

router = APIRouter(tags=["conventions"])

Party = Annotated[str | None, Query(max_length=200, description="Partie", examples=["DINUM"])]
Dataset = Annotated[
    str | None, Query(max_length=200, description="Jeu de données", examples=["cadastre"])
]
Today = Annotated[date | None, Query(description="Date de référence (AAAA-MM-JJ)")]


@router.get(
    "/conventions/search",
    response_model=ConventionsSearchResponse,
    summary="Chercher dans les conventions (filtres lus dans la question)",
    description="Parties, jeux de données et échéances sont lus dans la question ; ceux donnés "
    "en paramètres s'y ajoutent. Quand les filtres ne laissent rien, la recherche est refaite "
    "sans eux (filtres_relaches).",
)
def conventions_search(
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=2000,
            description="La question",
            examples=["quelles conventions avec la DGFiP expirent avant 2027 ?"],
        ),
    ],
    k: Annotated[int, Query(ge=1, le=20)] = 5,
    party: Party = None,
    dataset: Dataset = None,
    ends_before: Annotated[date | None, Query(description="Fin au plus tard (AAAA-MM-JJ)")] = None,
    ends_after: Annotated[date | None, Query(description="Fin à partir du (AAAA-MM-JJ)")] = None,
    today: Today = None,
    mode: SearchMode | None = None,
    *,
    parts: Parts,
    reader: Caller,
    address: Address,
) -> ConventionsSearchResponse:
    """Conventions that answer ``q``; filters given here add to those read from it."""
    given = None
    if party or dataset or ends_before or ends_after:
        given = ConventionScope(
            parties=(key(party),) if party else (),
            party_names=(party,) if party else (),
            dataset=key(dataset) if dataset else None,
            ends_after=ends_after,
            ends_before=ends_before,
        )
    search = parts.search_service(reader)
    finder = ConventionSearch(
        search, own_names=parts.settings.conventions.own_names, links=parts.links(search)
    )
    result = finder.search(q, today=today or date.today(), k=k, scope=given, mode=mode)
    documents = [c.source_path for c in result.cards]
    parts.audit(reader, "/conventions/search", q, documents, address=address)
    return ConventionsSearchResponse(
        query=q,
        filtres_appliques=result.understood,
        filtres_relaches=result.relaxed,
        cards=result.cards,
    )


@router.get(
    "/conventions",
    summary="Conventions d'échange du registre",
    description="Les lignes du registre que l'appelant peut voir, avec leurs fiches du "
    "catalogue ; filtres par échéance, partie, jeu de données et statut.",
)
def conventions(
    expiring_within: Annotated[
        int | None, Query(ge=1, le=3650, description="Échéance dans ce nombre de jours")
    ] = None,
    party: Party = None,
    dataset: Dataset = None,
    status: Annotated[
        str | None, Query(max_length=40, description="en vigueur, expirée, résiliée…")
    ] = None,
    today: Today = None,
    *,
    parts: Parts,
    reader: Caller,
    address: Address,
) -> dict[str, Any]:
    """The register's rows the reader may see, with their catalogue records."""
    settings = parts.settings
    register, _ = factory.load_conventions_register(settings)
    if register is None:
        raise ConfigurationError(
            "Aucun registre des conventions n'est configuré (réglage conventions.register_file)."
        )
    day = today or date.today()
    # One read of the register and the index: the links hold the rows the reader sees.
    linked = CatalogueLinks.for_reader(
        parts.search_service(reader),
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
    parts.audit(reader, "/conventions", asked, [c.id for c in chosen], address=address)
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

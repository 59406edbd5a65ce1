"""Commands that query the index: passages, dataset cards, answers with citations."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer

from assistant import factory
from assistant.cli.common import (
    AsUserOption,
    KindOption,
    ModeOption,
    app,
    current_settings,
    err,
    out,
    reader_for,
    safe,
    search_service,
)
from indexing.store import SearchFilters

# Hit fields kept out of the JSON output: every stored field, and the ranking signals.
INTERNAL = ("payload", "ranks")


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="La question")],
    k: Annotated[int | None, typer.Option("-k", help="Nombre de résultats")] = None,
    kind: KindOption = None,
    mode: ModeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
    as_user: AsUserOption = None,
) -> None:
    """Chercher les passages qui répondent à une question."""
    settings = current_settings()
    with search_service(settings, reader_for(settings, as_user)) as service:
        filters = SearchFilters(kinds=(kind,)) if kind else None
        result = service.search(query, k=k, mode=mode, filters=filters)
    if as_json:
        payload: dict[str, Any] = {
            "query": result.query,
            "mode": result.mode.value,
            "took_ms": result.took_ms,
            "hits": [
                {
                    key: value
                    for key, value in hit.__dict__.items()
                    if key not in ("payload", "ranks")
                }
                for hit in result.hits
            ],
        }
        out.print_json(json.dumps(payload, ensure_ascii=False))
        return
    if not result.hits:
        out.print("Aucun résultat.")
        return
    for hit in result.hits:
        where = hit.display_path + (f", page {hit.page}" if hit.page else "")
        out.print(f"[bold]{hit.rank}.[/bold] [cyan]{safe(where)}[/cyan]  (score {hit.score:.4f})")
        if hit.heading:
            out.print(f"   [italic]{safe(hit.heading)}[/italic]")
        out.print(f"   {hit.snippet()}", highlight=False, markup=False)
    err.print(f"[dim]{len(result.hits)} résultats en {result.took_ms:.0f} ms ({result.mode})[/dim]")


@app.command("datasets")
def datasets(
    description: Annotated[str, typer.Argument(help="Le besoin, en mots simples")],
    theme: Annotated[
        str | None, typer.Option("--theme", help="Thème ou catégorie (ex. Hydrographie)")
    ] = None,
    bbox: Annotated[
        str | None, typer.Option("--bbox", help="Emprise ouest,sud,est,nord (degrés)")
    ] = None,
    updated_after: Annotated[
        datetime | None,
        typer.Option(
            "--updated-after", formats=["%Y-%m-%d"], help="Mis à jour depuis (AAAA-MM-JJ)"
        ),
    ] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Nombre de fiches")] = 5,
    mode: ModeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
    as_user: AsUserOption = None,
) -> None:
    """Trouver les fiches du catalogue qui répondent à un besoin de données."""
    from dataclasses import asdict

    from assistant.datasets import DatasetSearch, parse_bbox

    settings = current_settings()
    with search_service(settings, reader_for(settings, as_user)) as service:
        links = factory.catalogue_links(settings, service)
        cards = DatasetSearch(service, links=links).search(
            description,
            k=k,
            theme=theme,
            bbox=parse_bbox(bbox) if bbox else None,
            updated_after=updated_after.date() if updated_after else None,
            mode=mode,
        )
    if as_json:
        out.print_json(json.dumps([asdict(card) for card in cards], ensure_ascii=False))
        return
    if not cards:
        out.print("Aucune fiche ne correspond ; élargissez la description ou retirez un filtre.")
    for card in cards:
        out.print(f"[bold]{card.rank}. {safe(card.title)}[/bold]", highlight=False)
        details = [
            ", ".join(card.organisations[:2]),
            ", ".join(card.themes[:3]),
            card.updated and f"mis à jour le {card.updated}",
        ]
        out.print(
            "   " + " · ".join(part for part in details if part), highlight=False, markup=False
        )
        out.print(f"   {card.snippet}", highlight=False, markup=False)
        if card.table is not None:
            table = card.table
            facts = [
                f"{table['type']} {table['schema']}.{table['name']}",
                table["key_columns"] and "clés : " + ", ".join(table["key_columns"]),
                table["frequency"] and f"mise à jour {table['frequency']}",
                table["analysed"] and f"statistiques du {str(table['analysed'])[:10]}",
            ]
            out.print("   " + " · ".join(f for f in facts if f), highlight=False, markup=False)
        for record in card.records:
            out.print(
                f"   ↳ fiche du catalogue : {record.title or record.record_id}",
                highlight=False,
                markup=False,
            )
        for convention in card.conventions:
            out.print(
                f"   ↳ convention {convention.id} ({convention.status}) : {convention.title}",
                highlight=False,
                markup=False,
            )
        for link in card.links[:3]:
            label = link.get("protocol") or link.get("name") or "lien"
            out.print(f"   [dim]{safe(label)}[/dim] {safe(link.get('url'))}", highlight=False)
        where = card.record_url or card.display_path
        out.print(f"   [dim]fiche :[/dim] {safe(where)}", highlight=False)


@app.command("ask")
def ask(
    question: Annotated[str, typer.Argument(help="La question, en français")],
    kind: KindOption = None,
    mode: ModeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
    as_user: AsUserOption = None,
) -> None:
    """Répondre à une question, avec les citations de chaque affirmation."""
    from dataclasses import asdict

    settings = current_settings()
    filters = SearchFilters(kinds=(kind,)) if kind else None
    with search_service(settings, reader_for(settings, as_user)) as service:
        answerer = factory.make_answer_service(settings, service)
        final = None
        for event in answerer.stream(question, filters=filters, mode=mode):
            if event.kind == "text" and not as_json:
                out.print(event.text, end="", highlight=False, markup=False)
            final = event.answer or final
    assert final is not None
    if as_json:
        out.print_json(json.dumps(asdict(final), ensure_ascii=False))
        return
    out.print()
    shown = final.sources if final.abstained else final.citations
    title = "Sources les plus proches" if final.abstained else "Sources"
    out.print(f"[bold]{title}[/bold]")
    for citation in shown:
        where = citation.display_path + (f", page {citation.page}" if citation.page else "")
        heading = f" — {citation.heading}" if citation.heading else ""
        out.print(f"  [{citation.number}] {where}{heading}", highlight=False, markup=False)
    for warning in final.warnings:
        out.print(f"[yellow]Attention[/yellow] : {safe(warning)}", highlight=False)
    err.print(f"[dim]{safe(final.backend)}, {final.took_ms:.0f} ms[/dim]")

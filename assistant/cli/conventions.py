"""Commands on the DPO's register of conventions: list, search, expiry report, check."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from assistant import factory
from assistant.cli.common import (
    AsUserOption,
    ModeOption,
    conventions_app,
    current_settings,
    err,
    fmt,
    out,
    reader_for,
    safe,
    search_service,
    titled_table,
    write_json,
)
from assistant.settings import Settings
from connectors.conventions.register import Register, convention_row
from connectors.errors import ConfigurationError


def _days(text: str) -> int:
    """Days in "90d", "90j", "90" or "3m" (months of 30 days)."""
    match = re.fullmatch(r"\s*(\d+)\s*([djm]?)\s*", text.lower())
    if not match:
        raise ConfigurationError(f"Durée « {text} » invalide : écrivez par exemple 90d ou 3m.")
    number, unit = int(match.group(1)), match.group(2)
    return number * 30 if unit == "m" else number


def _register(settings: Settings, register: Path | None, root: Path | None) -> Register:
    loaded, _ = factory.load_conventions_register(settings, register, root)
    if loaded is None:
        raise ConfigurationError(
            "Aucun registre des conventions : donnez --register FICHIER ou le réglage "
            "conventions.register_file."
        )
    for problem in loaded.problems:
        err.print(f"[yellow]registre[/yellow] {safe(problem.where)} : {safe(problem.reason)}")
    return loaded


RegisterOption = Annotated[
    Path | None, typer.Option("--register", help="Registre YAML ou CSV des conventions")
]
RootOption = Annotated[
    Path | None, typer.Option("--root", help="Dossier des fichiers cités par le registre")
]
TodayOption = Annotated[
    datetime | None, typer.Option("--today", formats=["%Y-%m-%d"], help="Date de référence")
]


@conventions_app.command("list")
def conventions_list(
    register: RegisterOption = None,
    root: RootOption = None,
    expiring_within: Annotated[
        str | None, typer.Option("--expiring-within", help="Échéance dans ce délai (90d, 3m)")
    ] = None,
    party: Annotated[str | None, typer.Option("--party", help="Partie (ex. CAFAT)")] = None,
    dataset: Annotated[str | None, typer.Option("--dataset", help="Jeu de données")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="en vigueur, expirée, résiliée, en projet")
    ] = None,
    today: TodayOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
    as_user: AsUserOption = None,
) -> None:
    """Lister les conventions du registre, filtrées."""
    from datetime import date as date_type

    settings = current_settings()
    loaded = _register(settings, register, root)
    day = today.date() if today else date_type.today()
    chosen = loaded.select(
        today=day,
        expiring_within=_days(expiring_within) if expiring_within else None,
        party=party,
        dataset=dataset,
        status=status,
    )
    rows = [convention_row(convention, day) for convention in chosen]
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    cells = [
        [row["id"], row["titre"], ", ".join(row["parties"]), row["fin"] or "—", row["statut"],
         row["fichier"] or "—"]
        for row in rows
    ]  # fmt: skip
    columns = ("id", "titre", "parties", "fin", "statut", "fichier")
    out.print(titled_table(f"{len(rows)} convention(s) au {day:%d/%m/%Y}", columns, cells))


@conventions_app.command("search")
def conventions_search(
    question: Annotated[str, typer.Argument(help="La question, en français")],
    k: Annotated[int, typer.Option("-k", min=1, max=20, help="Nombre de conventions")] = 5,
    today: TodayOption = None,
    mode: ModeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
    as_user: AsUserOption = None,
) -> None:
    """Chercher dans les conventions : parties, jeux et échéances nommés filtrent."""
    from dataclasses import asdict
    from datetime import date as date_type

    from assistant.conventions import ConventionSearch

    settings = current_settings()
    day = today.date() if today else date_type.today()
    with search_service(settings, reader_for(settings, as_user)) as service:
        finder = ConventionSearch(
            service,
            own_names=settings.conventions.own_names,
            links=factory.catalogue_links(settings, service),
        )
        result = finder.search(question, today=day, k=k, mode=mode)
    if as_json:
        data = {
            "query": result.query,
            "filtres_appliques": result.understood,
            "filtres_relaches": result.relaxed,
            "cards": [asdict(card) for card in result.cards],
        }
        out.print_json(json.dumps(data, ensure_ascii=False))
        return
    if result.understood:
        understood = " ; ".join(result.understood)
        err.print(f"[dim]Filtres lus dans la question : {safe(understood)}[/dim]")
    if result.relaxed:
        scope = " ; ".join(result.scope.describe())
        err.print(
            f"[yellow]Aucune convention ne répond à ces filtres ({safe(scope)}) : "
            "résultats sans filtre.[/yellow]"
        )
    if not result.cards:
        out.print("Aucune convention indexée ne correspond.")
    for card in result.cards:
        name = f"{card.convention_id} — {card.title}" if card.convention_id else card.title
        out.print(f"[bold]{card.rank}. {safe(name)}[/bold]", highlight=False)
        details = [
            ", ".join(card.parties),
            card.end and f"fin le {card.end}",
            card.status,
        ]
        out.print("   " + " · ".join(p for p in details if p), highlight=False, markup=False)
        out.print(f"   [cyan]{safe(card.display_path)}[/cyan]", highlight=False)
        for passage in card.passages[:2]:
            where = f"p. {passage.page} : " if passage.page else ""
            out.print(f"   {where}{passage.snippet}", highlight=False, markup=False)
        for record in card.records:
            out.print(f"   ↳ fiche du catalogue : {record.title}", highlight=False, markup=False)


@conventions_app.command("expiring")
def conventions_expiring(
    output: Annotated[Path, typer.Option("--output", help="Rapport .csv ou .json")],
    within: Annotated[str | None, typer.Option("--within", help="Délai (90d, 3m)")] = None,
    register: RegisterOption = None,
    root: RootOption = None,
    today: TodayOption = None,
) -> None:
    """Écrire le rapport des conventions qui arrivent à échéance (pour l'envoi hebdomadaire)."""
    import csv
    from datetime import date as date_type

    settings = current_settings()
    loaded = _register(settings, register, root)
    day = today.date() if today else date_type.today()
    days = _days(within) if within else settings.conventions.expiring_days
    rows = [convention_row(c, day) for c in loaded.select(today=day, expiring_within=days)]
    if output.suffix.lower() == ".json":
        report = {"date": day.isoformat(), "horizon_jours": days, "conventions": rows}
        write_json(output, report)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        columns = ["id", "titre", "parties", "jeux_de_donnees", "fin", "jours_restants"]
        columns += ["renouvellement", "statut", "fichier"]
        with output.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(
                handle, fieldnames=columns, extrasaction="ignore", delimiter=";"
            )
            writer.writeheader()
            for row in rows:
                lists = {key: " ; ".join(row[key]) for key in ("parties", "jeux_de_donnees")}
                writer.writerow(row | lists)
    out.print(f"{len(rows)} convention(s) à échéance dans les {days} jours : {safe(output)}")


@conventions_app.command("check")
def conventions_check(
    register: RegisterOption = None,
    root: RootOption = None,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Écrire le rapport JSON ici")
    ] = None,
    as_user: AsUserOption = None,
) -> None:
    """Comparer les champs lus dans le texte des conventions avec ceux du registre."""
    from connectors.base import SourceDocument as Document
    from connectors.conventions.extract import extract_fields
    from connectors.files import FilesConnector
    from eval.extraction import Expected, Found, score

    settings = current_settings()
    loaded = _register(settings, register, root)
    base = root or settings.conventions.root or (register or Path(".")).parent
    connector = FilesConnector(base)
    expected, found = [], {}
    for convention in loaded.conventions:
        if not convention.file or not (base / convention.file).is_file():
            continue
        documents = [d for d in connector.read(base / convention.file) if isinstance(d, Document)]
        if not documents:
            continue
        values = {
            "finalite": convention.purpose or "",
            "base_legale": convention.legal_basis or "",
            "duree_conservation": convention.retention or "",
            "parties": " ; ".join(convention.parties),
            "signature": convention.signed.isoformat() if convention.signed else "",
            "categories_de_donnees": " ; ".join(convention.data_categories),
            "destinataires": " ; ".join(convention.recipients),
        }
        expected.append(Expected(convention.id, values, convention.evidence))
        fields = extract_fields(documents[0].sections)
        found[convention.id] = {
            name: Found(field.value, field.page) for name, field in fields.items()
        }
    report = score(expected, found)
    rows = [
        [name, str(v["stated"]), str(v["extracted"]), str(v["correct"]),
         fmt(v["precision"], 2), fmt(v["recall"], 2)]
        for name, v in report["by_field"].items()
    ]  # fmt: skip
    out.print(
        titled_table(
            f"Champs extraits de {len(expected)} conventions",
            ("champ", "énoncés", "extraits", "justes", "précision", "rappel"),
            rows,
        )
    )
    if report_file is not None:
        write_json(report_file, report)

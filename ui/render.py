"""What the chat shows, as Markdown: citations, dataset cards, convention cards.

Pure functions of the assistant's results, so that what a user reads is testable without a
browser. Links to documents come from a ``Linker`` (``None`` when documents are not served).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

from assistant.answering import Citation
from assistant.conventions import ConventionCard, ConventionResult
from assistant.datasets import DatasetCard
from connectors.conventions.document import TEXT_FIELDS

Linker = Callable[[str, int | None], str | None]

DOCUMENTS_PATH = "/documents"

FIELD_LABELS = {
    "parties": "Parties",
    "jeux_de_donnees": "Jeux de données",
    "signature": "Signature",
    **TEXT_FIELDS,
}


def document_url(source_path: str, page: int | None = None) -> str:
    """The URL that opens an indexed document, at its page for a PDF."""
    url = f"{DOCUMENTS_PATH}/{quote(source_path.lstrip('/'), safe='/')}"
    if page and source_path.lower().endswith(".pdf"):
        url += f"#page={page}"
    return url


def no_links(source_path: str, page: int | None = None) -> str | None:
    """The linker used when documents are not served."""
    return None


# Chainlit's Markdown reads ":word" as a directive and drops it ("OGC:WFS" shows "OGC").
_DIRECTIVE = re.compile(r":(?=[A-Za-z])")


def plain(value: str) -> str:
    """Text that Chainlit's Markdown shows as written, line breaks kept."""
    return _DIRECTIVE.sub(r"\\:", value)


def _text(value: str) -> str:
    """Text safe inside a Markdown paragraph or link label, on one line."""
    value = " ".join(value.split()).replace("[", "\\[").replace("]", "\\]").replace("*", "\\*")
    return plain(value)


def _code(path: str) -> str:
    return "`" + path.replace("`", "'") + "`"


def _cell(value: str) -> str:
    return _text(value).replace("|", "\\|")


def french_date(value: str | None) -> str | None:
    """2026-12-31 -> 31/12/2026; anything else unchanged."""
    if not value:
        return None
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


def citation_name(number: int) -> str:
    """The element name the answer's markers point to."""
    return f"[{number}]"


def citation_markdown(citation: Citation, link: Linker) -> str:
    """A citation's side panel: where it comes from, the quoted passage, a link to open it."""
    where = [_code(citation.display_path)]  # the key in the link is never shown
    if citation.page:
        where.append(f"page {citation.page}")
    if citation.heading:
        where.append(_text(citation.heading))
    lines = [f"**{_text(citation.title or citation.display_path)}**", "", " · ".join(where), ""]
    quote_lines = [line.strip() for line in citation.quote.splitlines() if line.strip()]
    if quote_lines:
        lines += ["**Extrait cité**", ""] + [f"> {plain(line)}" for line in quote_lines] + [""]
    url = link(citation.source_path, citation.page)
    if url:
        label = "Ouvrir le document"
        if citation.page and citation.source_path.lower().endswith(".pdf"):
            label += f" à la page {citation.page}"
        lines += [f"[{label}]({url})", ""]
    passage = citation.passage.strip()
    if passage and " ".join(passage.split()) != " ".join(citation.quote.split()):
        lines += ["**Passage complet**", "", plain(passage), ""]
    return "\n".join(lines).strip() + "\n"


def sources_markdown(citations: Sequence[Citation], *, closest: bool) -> str:
    """The list under an answer: each number, its document and section."""
    if not citations:
        return ""
    title = "Sources les plus proches" if closest else "Sources"
    lines = [f"**{title}**", ""]
    for citation in citations:
        parts = [_text(citation.title or citation.display_path)]
        if citation.page:
            parts.append(f"p. {citation.page}")
        if citation.heading:
            parts.append(_text(citation.heading.split(" › ")[-1]))
        lines.append(f"- {citation_name(citation.number)} " + " · ".join(parts))
    return "\n".join(lines)


def warnings_markdown(warnings: Sequence[str]) -> str:
    """Under an answer: the passages that speak to a model, shown as text and not obeyed."""
    return "\n".join(f"> ⚠ **Attention** : {_text(warning)}" for warning in warnings)


def citation_record(citation: Citation) -> dict[str, Any]:
    """A citation as the feedback store keeps it."""
    return {
        "number": citation.number,
        "source_path": citation.source_path,
        "title": citation.title,
        "page": citation.page,
        "heading": citation.heading,
    }


def datasets_markdown(query: str, cards: Sequence[DatasetCard], link: Linker) -> str:
    """Catalogue records for a described need, with how to get them and who shares them."""
    if not cards:
        return (
            "Aucune fiche du catalogue ne correspond à « "
            + _text(query)
            + " » : élargissez la description ou employez d'autres mots."
        )
    blocks = [f"**{len(cards)} jeu(x) de données** pour « {_text(query)} »"]
    for card in cards:
        lines = [f"### {card.rank}. {_text(card.title)}"]
        details = [
            ", ".join(_text(name) for name in card.organisations[:2]),
            ", ".join(_text(theme) for theme in card.themes[:3]),
            card.updated and f"mis à jour le {french_date(card.updated)}",
            card.licence and f"licence : {_text(card.licence)}",
        ]
        shown = " · ".join(part for part in details if part)
        if shown:
            lines.append(shown)
        if card.snippet:
            lines += ["", _text(card.snippet)]
        lines.append("")
        if card.table is not None:
            lines += _table_lines(card.table)
        for record_link in card.records:
            target = record_link.record_url or link(record_link.source_path, None)
            name = _text(record_link.title or record_link.record_id)
            lines.append(
                f"- Fiche du catalogue : [{name}]({target})"
                if target
                else f"- Fiche du catalogue : {name}"
            )
        for item in card.links[:4]:
            url = str(item.get("url") or "")
            if url:
                label = " — ".join(
                    _text(str(part)) for part in (item.get("protocol"), item.get("name")) if part
                )
                lines.append(f"- Accès : [{label or 'lien'}]({url})")
        record = card.record_url or (link(card.source_path, None) if card.table is None else None)
        if card.table is not None:
            pass  # a table has no file to open: its name and schema say where it is
        elif record:
            lines.append(f"- Fiche : [{_text(card.record_id or card.title)}]({record})")
        else:
            lines.append(f"- Fiche : {_code(card.display_path)}")
        if card.conventions:
            lines.append("- Conventions qui partagent ce jeu de données :")
            for convention in card.conventions:
                end = french_date(convention.end)
                state = convention.status + (f", fin le {end}" if end else "")
                text = f"{_text(convention.id)} — {_text(convention.title)} ({state})"
                opened = link(convention.file, None) if convention.file else None
                lines.append(f"  - [{text}]({opened})" if opened else f"  - {text}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _table_lines(table: dict[str, Any]) -> list[str]:
    """What a warehouse table's card says: where, keys, owner, freshness."""
    kind = "Vue" if table.get("type") == "vue" else "Table"
    where = f"{table.get('schema')}.{table.get('name')}"
    lines = [f"- {kind} : {_code(where)}"]
    if table.get("key_columns"):
        lines.append("- Colonnes clés : " + ", ".join(_code(c) for c in table["key_columns"]))
    who = [
        table.get("owner") and f"propriétaire : {_text(table['owner'])}",
        table.get("steward") and f"gestionnaire : {_text(table['steward'])}",
        table.get("source_application") and f"application : {_text(table['source_application'])}",
    ]
    if any(who):
        lines.append("- " + " · ".join(part for part in who if part))
    fresh = [
        table.get("frequency") and f"mise à jour {_text(table['frequency'])}",
        table.get("rows_estimate") is not None and f"≈ {table['rows_estimate']} lignes",
        table.get("analysed") and f"statistiques du {french_date(str(table['analysed'])[:10])}",
    ]
    if any(fresh):
        lines.append("- Fraîcheur : " + " · ".join(str(part) for part in fresh if part))
    if table.get("sensitive"):
        lines.append("- Données sensibles : accès restreint")
    return lines


def _field_value(value: Any) -> str:
    if isinstance(value, list):
        return " ; ".join(str(item) for item in value)
    return french_date(str(value)) or ""


def _source(field: dict[str, Any]) -> str:
    if field.get("source") == "registre":
        return "registre"
    page = field.get("page")
    return f"texte, p. {page}" if page else "texte"


def convention_markdown(card: ConventionCard, link: Linker) -> str:
    """One convention: status, end date, fields with their source, passages, records."""
    name = f"{card.convention_id} — {card.title}" if card.convention_id else card.title
    lines = [f"### {card.rank}. {_text(name)}"]
    facts = [
        f"**Statut** : {card.status or 'inconnu'}",
        f"**Fin** : {french_date(card.end) or 'non précisée'}",
    ]
    if card.parties:
        facts.append("**Parties** : " + ", ".join(_text(party) for party in card.parties))
    lines.append(" · ".join(facts))
    url = link(card.source_path, None)
    lines += ["", f"[Ouvrir la convention]({url})" if url else _code(card.display_path)]
    rows = [
        f"| {FIELD_LABELS.get(key, key)} | {_cell(_field_value(field.get('valeur')))} "
        f"| {_source(field)} |"
        for key, field in card.fields.items()
        if isinstance(field, dict) and field.get("valeur") and key != "parties"
    ]
    if rows:
        lines += ["", "| Champ | Valeur | Source |", "|---|---|---|", *rows]
    if card.passages:
        lines += ["", "**Passages**"]
        for passage in card.passages[:2]:
            where = [f"p. {passage.page}" if passage.page else "", passage.heading or ""]
            label = " · ".join(_text(part) for part in where if part)
            page_url = link(card.source_path, passage.page)
            if page_url and passage.page:
                label = f"[{label}]({page_url})"
            lines.append(f"- {label + ' : ' if label else ''}{_text(passage.snippet)}")
    if card.records:
        lines += ["", "**Fiches du catalogue partagées**"]
        for record in card.records:
            target = record.record_url or link(record.source_path, None)
            title = _text(record.title)
            lines.append(f"- [{title}]({target})" if target else f"- {title}")
    return "\n".join(lines)


def conventions_markdown(result: ConventionResult, link: Linker) -> str:
    """The filters read from the question, then the convention cards."""
    read = result.scope.describe()
    if result.relaxed:
        header = (
            "Aucune convention ne remplit tous les filtres lus dans la question ("
            + " ; ".join(read)
            + ") : voici les plus proches, sans filtre."
        )
    elif result.understood:
        header = "**Filtres compris** : " + " ; ".join(result.understood)
    else:
        header = (
            "Aucun filtre lu dans la question (partie, jeu de données, échéance) : "
            "recherche dans toutes les conventions."
        )
    if not result.cards:
        return header + "\n\nAucune convention indexée ne correspond."
    return "\n\n".join([header, *(convention_markdown(card, link) for card in result.cards)])

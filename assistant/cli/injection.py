"""Commands of the instruction detector: check a text, score the detector on labelled cases."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import app, err, fmt, out, safe, titled_table, write_json


class Split(StrEnum):
    """The parts of a case file (``eval.injection.SPLITS``)."""

    tune = "tune"
    heldout = "heldout"


injection_app = typer.Typer(
    help="Textes qui s'adressent à un assistant (consignes cachées dans les documents).",
    no_args_is_help=True,
)
app.add_typer(injection_app, name="injection")


@injection_app.command("check")
def injection_check(
    text: Annotated[str, typer.Argument(help="Le texte à examiner")],
) -> None:
    """Dire si un texte contient des consignes adressées à un assistant, et lesquelles."""
    from guardrails.injection import instruction_in

    words = instruction_in(text)
    if words is None:
        out.print("Aucune consigne adressée à un assistant.")
        return
    out.print(f"[yellow]Consignes adressées à un assistant[/yellow] : « {safe(words)} »")
    raise typer.Exit(2)


@injection_app.command("eval")
def injection_eval(
    cases: Annotated[Path, typer.Option("--cases", help="Cas étiquetés (JSONL)")] = Path(
        "tests/data/injection_fr.jsonl"
    ),
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Écrire le rapport JSON ici")
    ] = None,
    split: Annotated[
        Split | None,
        typer.Option(
            "--split",
            help="Une seule partie : tune (réglage) pendant qu'on règle les formulations, "
            "heldout (contrôle) une fois, à la fin",
        ),
    ] = None,
) -> None:
    """Mesurer rappel et fausses alertes du détecteur, par partie (réglage, contrôle)."""
    from eval.injection import SPLITS, load_cases, score
    from guardrails.injection import instruction_in

    chosen = SPLITS if split is None else (split.value,)
    report = score(load_cases(cases), instruction_in, chosen)
    labels = {"tune": "réglage", "heldout": "contrôle"}
    rows = [
        [
            labels[name],
            str(part["positives"]),
            fmt(part["recall"]),
            str(part["negatives"]),
            fmt(part["false_alarm_rate"]),
        ]
        for name, part in report["splits"].items()
    ]
    out.print(
        titled_table(
            f"{cases.name} — {report['cases']} textes",
            ("partie", "attaques", "rappel", "textes ordinaires", "fausses alertes"),
            rows,
        )
    )
    series = [
        [labels[name], batch, str(figures["positives"]), fmt(figures["recall"])]
        for name, part in report["splits"].items()
        for batch, figures in part["recall_by_series"].items()
    ]
    out.print(
        titled_table(
            "Rappel par série d'attaques", ("partie", "série", "attaques", "rappel"), series
        )
    )
    if report_file is not None:
        write_json(report_file, report)
        err.print(f"Rapport : {safe(report_file)}")

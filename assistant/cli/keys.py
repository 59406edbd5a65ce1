"""``boussole keys``: the API keys of applications, stored hashed with their groups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import (
    GroupsOption,
    app,
    current_settings,
    group_list,
    groups_label,
    out,
    safe,
    setting_file,
    titled_table,
)
from assistant.security import add_api_key, load_api_keys, revoke_api_key

keys_app = typer.Typer(help="Clés d'API des applications (empreintes et groupes).")
app.add_typer(keys_app, name="keys")


def _keys_file() -> Path:
    path = current_settings().security.api_keys_file
    return setting_file(path, "de clés", "security.api_keys_file")


@keys_app.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="Qui utilise la clé (ex. appli-urbanisme)")],
    groups: GroupsOption = "",
) -> None:
    """Créer une clé : elle est affichée une seule fois, seule son empreinte est gardée."""
    chosen = group_list(groups)
    key = add_api_key(_keys_file(), name, chosen)
    out.print(key, highlight=False, markup=False)
    out.print(
        f"[dim]Clé « {safe(name)} » (groupes : {safe(groups_label(chosen))}) : "
        "copiez-la maintenant, elle ne sera plus affichée.[/dim]"
    )


@keys_app.command("list")
def keys_list() -> None:
    """Lister les clés : nom et groupes (jamais la clé)."""
    keys = load_api_keys(_keys_file())
    rows = [[key.name, groups_label(key.groups)] for key in keys]
    out.print(titled_table(f"{len(keys)} clé(s) d'API", ("nom", "groupes"), rows))


@keys_app.command("revoke")
def keys_revoke(
    name: Annotated[str, typer.Argument(help="Nom de la clé à révoquer (voir keys list)")],
) -> None:
    """Révoquer une clé : un serveur en marche la refuse dès la requête suivante."""
    revoked = revoke_api_key(_keys_file(), name)
    out.print(
        f"Clé « {safe(revoked.name)} » révoquée : les appels qui la présentent sont refusés "
        "(401), sans redémarrer le serveur."
    )

"""``boussole users``: the chat's accounts (``ui.users_file``), passwords stored hashed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant import users
from assistant.cli.common import app, current_settings, out, safe, titled_table
from connectors.errors import ConfigurationError

users_app = typer.Typer(help="Comptes du chat (fichier ui.users_file, mots de passe hachés).")
app.add_typer(users_app, name="users")


def _users_file() -> Path:
    path = current_settings().ui.users_file
    if path is None:
        raise ConfigurationError(
            "Aucun fichier d'utilisateurs : donnez-le dans le réglage ui.users_file "
            "(ou BOUSSOLE_UI__USERS_FILE)."
        )
    return path


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Identifiant de connexion (ex. marie.dupont)")],
    groups: Annotated[
        str, typer.Option("--groups", help="Groupes d'accès, séparés par des virgules")
    ] = "",
    display_name: Annotated[
        str | None, typer.Option("--name", help="Nom affiché dans le chat")
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Lire le mot de passe sur l'entrée standard (scripts)"
        ),
    ] = False,
) -> None:
    """Ajouter un compte : mot de passe demandé deux fois, seule son empreinte est gardée."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(
            "Mot de passe", hide_input=True, confirmation_prompt="Confirmez le mot de passe"
        )
    chosen = [group.strip() for group in groups.split(",") if group.strip()]
    path = _users_file()
    users.add_user(path, username, password, chosen, display_name)
    groups_text = ", ".join(chosen) or "public seulement"
    out.print(
        f"Compte « {safe(username)} » ajouté (groupes : {safe(groups_text)}) dans {safe(path)} : "
        "il peut se connecter au chat tout de suite."
    )


@users_app.command("remove")
def users_remove(
    username: Annotated[str, typer.Argument(help="Identifiant du compte à retirer")],
) -> None:
    """Retirer un compte : sa prochaine connexion au chat est refusée."""
    users.remove_user(_users_file(), username)
    out.print(f"Compte « {safe(username)} » retiré.")


@users_app.command("list")
def users_list() -> None:
    """Lister les comptes : identifiant, nom affiché, groupes (jamais l'empreinte)."""
    entries = users.load_users(_users_file()) if _users_file().exists() else {}
    rows = [
        [name, entry.display_name or "", ", ".join(entry.groups) or "public seulement"]
        for name, entry in sorted(entries.items())
    ]
    out.print(titled_table(f"{len(rows)} compte(s)", ("identifiant", "nom", "groupes"), rows))

"""``boussole users``: the chat's accounts (``ui.users_file``), passwords stored hashed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant import users
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

users_app = typer.Typer(help="Comptes du chat (fichier ui.users_file, mots de passe hachés).")
app.add_typer(users_app, name="users")


def _users_file() -> Path:
    return setting_file(current_settings().ui.users_file, "d'utilisateurs", "ui.users_file")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Identifiant de connexion (ex. marie.dupont)")],
    groups: GroupsOption = "",
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
    chosen = group_list(groups)
    path = _users_file()
    users.add_user(path, username, password, chosen, display_name)
    out.print(
        f"Compte « {safe(username)} » ajouté (groupes : {safe(groups_label(chosen))}) "
        f"dans {safe(path)} : il peut se connecter au chat tout de suite."
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
    path = _users_file()
    entries = users.load_users(path) if path.exists() else {}
    rows = [
        [name, entry.display_name or "", groups_label(entry.groups)]
        for name, entry in sorted(entries.items())
    ]
    out.print(titled_table(f"{len(rows)} compte(s)", ("identifiant", "nom", "groupes"), rows))

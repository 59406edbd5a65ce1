"""Text comparison shared by every layer."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents, as words, names and facets compare: "Données" -> "donnees"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))

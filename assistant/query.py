"""Query expansion: everyday words of agents completed by the words the texts use.

Agents ask "on s'est fait pirater, on a combien de temps pour prévenir la cnil ?" while
the regulation speaks of "violation de données" and "autorité de contrôle". A lexicon
(YAML, keys matched accent- and case-insensitively on whole words) appends the formal
terms; the question itself is always kept.
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.packaged import load_yaml
from connectors.errors import ConfigurationError
from connectors.text import fold


class QueryExpander:
    """Append lexicon terms to a question."""

    def __init__(self, lexicon: dict[str, str]) -> None:
        self.lexicon = {fold(key).strip(): value for key, value in lexicon.items()}
        keys = sorted(self.lexicon, key=len, reverse=True)
        self._pattern = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(key) for key in keys) + r")(?!\w)")
            if keys
            else None
        )

    @classmethod
    def load(cls, path: Path | None) -> QueryExpander:
        """The lexicon at ``path``, or the French one shipped with Boussole."""
        data, origin = load_yaml(path, "lexicon.yaml", setting="search.lexicon", label="Lexique")
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise ConfigurationError(
                f"Lexique {origin} : attendu un dictionnaire « expression: termes »."
            )
        return cls(data)

    def formal(self, phrase: str) -> str | None:
        """The texts' terms for a whole phrase of the lexicon (« dpo », « cert-nc »), if any."""
        return self.lexicon.get(" ".join(fold(phrase).replace("-", " ").split()))

    def expand(self, query: str) -> str:
        """The query followed by the terms its expressions call for, each once."""
        if self._pattern is None:
            return query
        extra: list[str] = []
        for match in self._pattern.finditer(fold(query)):
            terms = self.lexicon[match.group(1)]
            if terms not in extra:
                extra.append(terms)
        return f"{query} {' '.join(extra)}" if extra else query

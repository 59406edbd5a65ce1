"""Query expansion from the lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.query import QueryExpander
from connectors.errors import ConfigurationError


def test_shipped_lexicon_maps_everyday_words_to_the_texts_words() -> None:
    expander = QueryExpander.load(None)
    expanded = expander.expand("on s'est fait pirater, combien de temps pour prevenir la CNIL ?")
    assert expanded.startswith("on s'est fait pirater")
    assert "violation de données" in expanded
    assert "autorité de contrôle" in expanded
    assert "délai" in expanded


def test_matches_whole_words_only_and_ignores_accents() -> None:
    expander = QueryExpander({"dpo": "délégué", "données perso": "données à caractère personnel"})
    assert expander.expand("dpoX est un code") == "dpoX est un code"
    assert expander.expand("mes DONNEES PERSO") == "mes DONNEES PERSO données à caractère personnel"


def test_an_empty_lexicon_changes_nothing() -> None:
    assert QueryExpander({}).expand("question") == "question"


@pytest.mark.parametrize("content", ["- a\n- b\n", "a: [1, 2]\n", "a: b: c\n"])
def test_bad_lexicon_files_are_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "lex.yaml"
    path.write_text(content, "utf-8")
    with pytest.raises(ConfigurationError, match="Lexique"):
        QueryExpander.load(path)

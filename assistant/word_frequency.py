"""How common a word is in French at large, whatever the index holds.

« vendre » and « bidons » are in no document of a small index, and neither is « Wallis »:
the first two are everyday words a user adds around the question, the last names
something the documents would have to mention. The Zipf frequency of ``wordfreq``'s
French list (0: never seen, 3: once per million words, 6: once per thousand) tells them
apart; words are compared unaccented, as users often type them (« polluee »).
"""

from __future__ import annotations

import math
import threading

from connectors.text import fold

_lock = threading.Lock()
_table: dict[str, float] = {}


def _load() -> dict[str, float]:
    """The French list folded: each unaccented form keeps its most common spelling's value."""
    from wordfreq import get_frequency_dict

    table: dict[str, float] = {}
    for word, frequency in get_frequency_dict("fr", wordlist="best").items():
        key = fold(word)
        zipf = math.log10(frequency) + 9
        if zipf > table.get(key, 0.0):
            table[key] = zipf
    return table


def zipf(word: str) -> float:
    """The word's Zipf frequency in French (0 when unknown), accents and case aside."""
    if not _table:
        with _lock:
            if not _table:
                _table.update(_load())
    return _table.get(fold(word), 0.0)

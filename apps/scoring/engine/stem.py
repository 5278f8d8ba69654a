"""Reduce English words to stems (Snowball "english", i.e. Porter2), so "repairing" meets "repairer"."""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")
# Words the stemmer would merge with a skill's name: "excellent" is not "Excel".
_KEPT_APART = {"excellent": "excellent", "excellence": "excellent", "excellently": "excellent"}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Return the stem of a lower-cased word; names with symbols ("node.js", "c++", "c#") are kept whole."""
    if not word.isalpha():
        return word
    return _KEPT_APART.get(word) or _STEMMER.stemWord(word)

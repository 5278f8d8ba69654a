"""Words, their stems, the skill alias table and the static term-weight table.

`analyze` turns a stretch of text into terms: the stems of its content words, plus one concept term
("@javascript") for every skill named by the alias table, so "JS" and "JavaScript" meet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .stem import stem
from .text import tokenize

DATA = Path(__file__).resolve().parent / "data"
CONCEPT_PREFIX = "@"
_MAX_ALIAS_WORDS = 8

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "across",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "either",
        "etc",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "may",
        "me",
        "might",
        "more",
        "most",
        "must",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "per",
        "same",
        "shall",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "via",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "you",
        "your",
        "yours",
        "e",
        "g",
        "eg",
        "ie",
    ]
)

# Words every posting and resume uses about any skill ("strong knowledge of", "5 years of experience"):
# they say how a requirement is phrased, not what it asks for.
GENERIC_WORDS = frozenset(
    stem(w)
    for w in [
        "ability",
        "able",
        "abilities",
        "adept",
        "advanced",
        "basic",
        "capable",
        "candidate",
        "competence",
        "competency",
        "demonstrated",
        "deep",
        "desire",
        "detailed",
        "effective",
        "effectively",
        "excellent",
        "exceptional",
        "expert",
        "expertise",
        "experience",
        "experienced",
        "extensive",
        "familiar",
        "familiarity",
        "good",
        "great",
        "hands",
        "high",
        "highly",
        "ideal",
        "including",
        "knowledge",
        "knowledgeable",
        "least",
        "level",
        "must",
        "need",
        "needed",
        "plus",
        "preferred",
        "previous",
        "prior",
        "proficiency",
        "proficient",
        "proven",
        "related",
        "relevant",
        "required",
        "requirement",
        "skill",
        "skilled",
        "solid",
        "strong",
        "thorough",
        "understanding",
        "use",
        "using",
        "utilize",
        "well",
        "working",
        "year",
        "years",
        "month",
        "months",
        "minimum",
        "least",
    ]
)


@dataclass(frozen=True, slots=True)
class Term:
    """A term of a text: a word stem or a concept ("@kubernetes"), and the characters it came from."""

    key: str
    start: int
    end: int


def _phrase_stems(phrase: str, dotted: frozenset[str]) -> tuple[str, ...]:
    return tuple(stem(t.text) for t in tokenize(phrase, dotted=dotted))


@dataclass(frozen=True)
class AliasTable:
    version: str
    dotted: frozenset[str]  # dotted names kept whole by the tokenizer ("node.js", ".net")
    phrases: dict[tuple[str, ...], str]  # stems of a name → its concept term
    longest: int


@cache
def alias_table() -> AliasTable:
    raw = json.loads((DATA / "skill_aliases.json").read_text(encoding="utf-8"))
    names = [name for canonical, aliases in raw["skills"].items() for name in (canonical, *aliases)]
    dotted = frozenset(
        word.lower() for name in names for word in name.replace("/", " ").split() if "." in word.strip(".")
    ) | frozenset(word.lower() for name in names for word in name.split() if word.startswith("."))
    phrases: dict[tuple[str, ...], str] = {}
    for canonical, aliases in sorted(raw["skills"].items()):
        concept = CONCEPT_PREFIX + "_".join(_phrase_stems(canonical, dotted))
        for name in (canonical, *aliases):
            words = _phrase_stems(name, dotted)
            if words and len(words) <= _MAX_ALIAS_WORDS:
                phrases.setdefault(words, concept)
    return AliasTable(raw["version"], dotted, phrases, max(len(p) for p in phrases))


@dataclass(frozen=True)
class TermWeights:
    version: str
    weights: dict[str, float]
    unseen: float  # the weight of a word the corpus never saw: rare, so informative

    def __call__(self, key: str) -> float:
        if key.startswith(CONCEPT_PREFIX):
            # A named skill is as specific as its most specific word ("Amazon Web Services": "amazon").
            return max(self(word) for word in key[len(CONCEPT_PREFIX) :].split("_"))
        if key in GENERIC_WORDS:
            return 0.0
        return self.weights.get(key, self.unseen)


@cache
def term_weights() -> TermWeights:
    raw = json.loads((DATA / "term_weights.json").read_text(encoding="utf-8"))
    return TermWeights(raw["version"], raw["weights"], float(raw["unseen"]))


def analyze(text: str, start: int = 0, end: int | None = None) -> list[Term]:
    """Return the terms of ``text[start:end]``: content-word stems, then the skill concepts named."""
    table = alias_table()
    tokens = tokenize(text, start, end, dotted=table.dotted)
    stems = [stem(t.text) for t in tokens]
    terms = [
        Term(s, t.start, t.end)
        for s, t in zip(stems, tokens, strict=True)
        if t.text not in STOPWORDS and not t.text.rstrip("+").isdigit()  # "5+" of "5+ years" is no term
    ]
    i = 0
    while i < len(stems):
        for size in range(min(table.longest, len(stems) - i), 0, -1):
            concept = table.phrases.get(tuple(stems[i : i + size]))
            if concept:
                terms.append(Term(concept, tokens[i].start, tokens[i + size - 1].end))
                i += size - 1
                break
        i += 1
    return terms

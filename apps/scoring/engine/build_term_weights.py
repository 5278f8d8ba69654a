"""Rebuild data/term_weights.json: IDF-like weights of word stems from a generic English corpus.

    .venv/bin/python -m apps.scoring.engine.build_term_weights [--man /usr/share/man] [--version terms-N]

Run once, offline, by a developer; the engine only reads the shipped file (bump ENGINE_VERSION with
it). The corpus is the English manual pages of a Debian system: tens of thousands of documents of
plain technical English with nothing about any candidate or posting, so a word's weight says how
common it is in English prose, not how it is used in the evaluation data.

weight = log(N / df) / log(N), in [0, 1]: a word in every document weighs 0, one the corpus never
saw weighs 1 (the table's "unseen"). Only words seen in at least `MIN_DF` documents are stored.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
from collections import Counter
from pathlib import Path

from .stem import stem
from .text import tokenize

DATA = Path(__file__).resolve().parent / "data" / "term_weights.json"
SECTIONS = ("man1", "man5", "man7", "man8")  # commands, files, overviews, administration (not C APIs)
MIN_DF = 3
_ROFF_ESCAPE_RE = re.compile(r"\\(?:f(?:\[[^\]]*\]|\(..|.)|\(..|\*\(..|\*.|s[-+]?\d|[-&e|^ ])")
_ROFF_MACRO_RE = re.compile(r"^\.[A-Za-z]{1,3}\s*", re.MULTILINE)
_ROFF_COMMENT_RE = re.compile(r'^\.\s*\\".*$|^\'\\".*$', re.MULTILINE)


def page_words(path: Path) -> set[str]:
    """The distinct stems of one manual page, its formatting removed."""
    raw = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
    raw = _ROFF_COMMENT_RE.sub("", raw)
    raw = _ROFF_MACRO_RE.sub("", raw)
    raw = _ROFF_ESCAPE_RE.sub(" ", raw)
    return {stem(t.text) for t in tokenize(raw) if t.text.isalpha() and len(t.text) > 1}


def build(man: Path) -> tuple[int, Counter[str]]:
    df: Counter[str] = Counter()
    documents = 0
    for section in SECTIONS:
        for path in sorted((man / section).glob("*.gz")):
            words = page_words(path)
            if len(words) >= 20:  # skip stub pages that only point elsewhere
                df.update(words)
                documents += 1
    return documents, df


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--man", type=Path, default=Path("/usr/share/man"))
    parser.add_argument("--version", default="terms-1")
    args = parser.parse_args()
    documents, df = build(args.man)
    scale = math.log(documents)
    weights = {
        word: round(math.log(documents / count) / scale, 3)
        for word, count in sorted(df.items())
        if count >= MIN_DF
    }
    payload = {
        "version": args.version,
        "source": f"document frequencies of {documents} English manual pages ({', '.join(SECTIONS)}), "
        "weight = log(N/df)/log(N)",
        "unseen": 1.0,
        "weights": weights,
    }
    DATA.write_text(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )
    print(f"{len(weights)} stems from {documents} pages → {DATA}")


if __name__ == "__main__":
    main()

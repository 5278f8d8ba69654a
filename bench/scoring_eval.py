"""Measure the fit-scoring engine on the RJDB ranking protocol (issue 7, "Measured").

    .venv/bin/python bench/scoring_eval.py [--data ../shared/eval/rjdb_dev.jsonl] [--split even|odd]
                                           [--reference-date 2024-01-01] [--limit N]

For each job description, a pool of 50 resumes: its matched resume (relevance 2), its "unmatched" twin
(1: the matched resume with 1–3 skills removed and/or an experience range shortened), and the two
resumes of each of the 24 most similar other job descriptions (0). "Most similar" is the TF-IDF
cosine between job descriptions, computed here and deterministic (ties by row order). With
``--split`` only the even or odd rows are used, pools included, to show that settings chosen on one
half hold on the other.

Prints NDCG@10, MRR and Top-1 of the matched resume, pairwise accuracy (matched scored strictly above
its twin; ties fail), the same figures for a TF-IDF cosine baseline, and the engine's speed in
pairs per second on one core with warm candidate features.

The data is RJDB by Megagon Labs (CC BY-SA 4.0), read from ../shared/eval/ and never copied into this
repository; without the file the script says so and exits cleanly.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apps.scoring.engine import (  # noqa: E402
    ENGINE_VERSION,
    CandidateInput,
    JobInput,
    extract_candidate,
    prepare_job,
    score_prepared,
)

DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "rjdb_dev.jsonl"
CREDIT = (
    "Data: RJDB by Megagon Labs (arXiv 2311.06383), CC BY-SA 4.0 — "
    "https://github.com/megagonlabs/rjdb; used for measurement only."
)
SIMILAR_JOBS = 24
_WORD_RE = re.compile(r"[a-z0-9]+")


class TfIdf:
    """A plain TF-IDF space over a list of documents (for pool building and the baseline)."""

    def __init__(self, documents: Sequence[str]) -> None:
        tokenized = [Counter(_WORD_RE.findall(d.lower())) for d in documents]
        df = Counter(word for counts in tokenized for word in counts)
        n = len(documents)
        self.idf = {word: math.log((1 + n) / (1 + f)) + 1 for word, f in df.items()}
        self.vectors = [self.vector_of(counts) for counts in tokenized]

    def vector_of(self, counts: Counter[str]) -> dict[str, float]:
        vector = {w: (1 + math.log(c)) * self.idf.get(w, 0.0) for w, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {w: v / norm for w, v in vector.items()}

    def vector(self, text: str) -> dict[str, float]:
        return self.vector_of(Counter(_WORD_RE.findall(text.lower())))


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def build_pools(jobs: Sequence[str]) -> list[list[int]]:
    """For each job, the indexes of its 24 most similar other jobs by TF-IDF cosine."""
    space = TfIdf(jobs)
    pools = []
    for i, vi in enumerate(space.vectors):
        similar = sorted(
            (j for j in range(len(jobs)) if j != i), key=lambda j: (-cosine(vi, space.vectors[j]), j)
        )
        pools.append(similar[:SIMILAR_JOBS])
    return pools


def ranking_metrics(pool: list[tuple[float, int]]) -> tuple[float, float, float, bool]:
    """(NDCG@10, reciprocal rank of the matched resume, top-1, matched > unmatched) for one pool.

    ``pool`` is [(score, relevance)]. Ties are ranked pessimistically (less relevant first), so a
    score that cannot tell resumes apart earns no credit for it.
    """
    ranked = sorted(pool, key=lambda item: (-item[0], item[1]))
    gains = [2**rel - 1 for _, rel in ranked]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains[:10]))
    ideal = sorted(gains, reverse=True)
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal[:10]))
    rank = next(i for i, (_, rel) in enumerate(ranked) if rel == 2) + 1
    matched = next(s for s, rel in pool if rel == 2)
    unmatched = next(s for s, rel in pool if rel == 1)
    return dcg / idcg, 1 / rank, float(rank == 1), matched > unmatched


def evaluate(
    rows: list[dict], pools: list[list[int]], scorer: Callable[[int, int], float]
) -> dict[str, float]:
    """Average the ranking metrics; ``scorer(job, resume)`` where resume 2k is matched, 2k+1 unmatched."""
    totals = [0.0, 0.0, 0.0, 0.0]
    for i, similar in enumerate(pools):
        pool = [(scorer(i, 2 * i), 2), (scorer(i, 2 * i + 1), 1)]
        pool += [(scorer(i, 2 * j + k), 0) for j in similar for k in (0, 1)]
        for n, value in enumerate(ranking_metrics(pool)):
            totals[n] += float(value)
    n = len(pools)
    return {"ndcg@10": totals[0] / n, "mrr": totals[1] / n, "top1": totals[2] / n, "pairwise": totals[3] / n}


def load(path: Path, split: str | None, limit: int | None) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if split:
        rows = rows[0 if split == "even" else 1 :: 2]
    return rows[:limit] if limit else rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=("even", "odd"), help="use only the even or the odd rows")
    parser.add_argument("--reference-date", type=date.fromisoformat, default=date(2024, 1, 1))
    parser.add_argument("--limit", type=int, help="use only the first N rows (quick runs)")
    parser.add_argument("--failures", type=int, default=0, help="print the first N pairwise failures")
    args = parser.parse_args()
    path = args.data if args.data.is_absolute() else (Path.cwd() / args.data)
    if not path.exists():
        print(f"skipped: no evaluation data at {path} (see ../shared/eval/README.md)")
        return 0

    rows = load(path, args.split, args.limit)
    jobs = [r["Job-Description"] for r in rows]
    resumes = [text for r in rows for text in (r["Resume-matched"], r["Resume-unmatched"])]
    pools = build_pools(jobs)

    started = time.perf_counter()
    prepared = [prepare_job(JobInput(title="", description=text)) for text in jobs]
    job_seconds = time.perf_counter() - started
    started = time.perf_counter()
    candidates = [
        extract_candidate(CandidateInput(resume_text=text), reference_date=args.reference_date)
        for text in resumes
    ]
    candidate_seconds = time.perf_counter() - started

    scores: dict[tuple[int, int], float] = {}

    def engine(i: int, r: int) -> float:
        return scores[(i, r)]

    pairs = [
        (i, r)
        for i, similar in enumerate(pools)
        for r in (2 * i, 2 * i + 1, *(2 * j + k for j in similar for k in (0, 1)))
    ]
    started = time.perf_counter()
    for i, r in pairs:
        scores[(i, r)] = score_prepared(prepared[i], candidates[r]).score
    pair_seconds = time.perf_counter() - started

    space = TfIdf(jobs + resumes)
    resume_vectors = space.vectors[len(jobs) :]

    def baseline(i: int, r: int) -> float:
        return cosine(space.vectors[i], resume_vectors[r])

    ours = evaluate(rows, pools, engine)
    theirs = evaluate(rows, pools, baseline)
    label = f"split={args.split}" if args.split else "all rows"
    print(
        f"RJDB ranking protocol: {len(rows)} jobs ({label}), pools of {2 + 2 * SIMILAR_JOBS}, engine {ENGINE_VERSION}"
    )
    print(f"{'':22}{'NDCG@10':>9}{'MRR':>8}{'Top-1':>8}{'Pairwise':>10}")
    for name, m in (("engine", ours), ("TF-IDF cosine", theirs)):
        print(f"{name:22}{m['ndcg@10']:9.4f}{m['mrr']:8.4f}{m['top1']:8.4f}{m['pairwise']:10.4f}")
    print(
        f"speed: {len(pairs) / pair_seconds:,.0f} pairs/s on one core with warm candidate features "
        f"({len(pairs):,} pairs); features: {len(jobs) / job_seconds:,.0f} jobs/s, "
        f"{len(resumes) / candidate_seconds:,.0f} resumes/s"
    )
    if args.failures:
        shown = 0
        for i in range(len(rows)):
            if shown >= args.failures:
                break
            if scores[(i, 2 * i)] <= scores[(i, 2 * i + 1)]:
                shown += 1
                print(
                    f"pairwise failure row {i}: matched {scores[(i, 2 * i)]} <= unmatched {scores[(i, 2 * i + 1)]}"
                )
    print(CREDIT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

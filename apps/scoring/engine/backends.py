"""Scoring backends behind one interface: the local engine (default) and an optional LLM judge.

The LLM backend sends only the posting and the candidate's redacted texts to an OpenAI-compatible
chat-completions endpoint, asks it to list the posting's requirements and judge each with a verbatim
quote, rejects any quote that is not in the candidate's text, and combines the judgements with the
local components by the same weights. On any error it answers with the local engine's result.

Configured by environment variables (off unless both the URL and the model are set):
RECRUITDESK_SCORING_LLM_BASE_URL (e.g. https://api.openai.com/v1), RECRUITDESK_SCORING_LLM_MODEL,
RECRUITDESK_SCORING_LLM_API_KEY, RECRUITDESK_SCORING_LLM_TIMEOUT (seconds, default 30).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from .features import MUST, NICE, CandidateFeatures, JobFeatures
from .scoring import assemble, evidence, score_prepared
from .types import ScoreResult, TierCutoffs

_STATUS_VALUE = {"met": 1.0, "partial": 0.5, "missing": 0.0}
_PROMPT = """You judge whether a candidate meets a job posting's requirements.
List the posting's requirements (kind "must" or "nice"). For each, judge the candidate's texts:
"met", "partial" or "missing", with "quote": a short passage copied character for character from
one of the candidate's texts that shows it ("" when missing), and "source": the name of that text.
Answer only JSON: {"requirements": [{"text": "...", "kind": "must", "status": "met", "source": "resume", "quote": "..."}]}"""


class Backend(Protocol):
    name: str

    def score(
        self, job: JobFeatures, candidate: CandidateFeatures, *, cutoffs: TierCutoffs | None = None
    ) -> ScoreResult: ...


class LocalBackend:
    name = "local"

    def score(
        self, job: JobFeatures, candidate: CandidateFeatures, *, cutoffs: TierCutoffs | None = None
    ) -> ScoreResult:
        return score_prepared(job, candidate, cutoffs=cutoffs)


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LLMConfig | None:
        env = os.environ if environ is None else environ
        base_url = env.get("RECRUITDESK_SCORING_LLM_BASE_URL", "").strip()
        model = env.get("RECRUITDESK_SCORING_LLM_MODEL", "").strip()
        if not base_url or not model:
            return None
        return cls(
            base_url=base_url.rstrip("/"),
            model=model,
            api_key=env.get("RECRUITDESK_SCORING_LLM_API_KEY", ""),
            timeout=float(env.get("RECRUITDESK_SCORING_LLM_TIMEOUT", "30") or 30),
        )


class LLMBackend:
    """Requirements extracted and judged by an LLM; everything else, and any failure, local."""

    name = "llm"

    def __init__(self, config: LLMConfig, session: requests.Session | None = None) -> None:
        self.config = config
        self.session = session or requests.Session()
        self.local = LocalBackend()

    def score(
        self, job: JobFeatures, candidate: CandidateFeatures, *, cutoffs: TierCutoffs | None = None
    ) -> ScoreResult:
        try:
            judged = self._ask(job, candidate)
            rows = [row for item in judged if (row := _checked_row(item, candidate)) is not None]
            if not rows:
                raise ValueError("no requirements in the answer")
        except Exception as error:  # noqa: BLE001 (any failure of the remote judge means: score locally)
            result = self.local.score(job, candidate, cutoffs=cutoffs)
            result.explanation["warnings"].append(
                f"LLM backend failed ({type(error).__name__}); local engine used"
            )
            return result
        return assemble(job, candidate, rows, cutoffs=cutoffs, backend=f"llm:{self.config.model}")

    def _ask(self, job: JobFeatures, candidate: CandidateFeatures) -> list[dict[str, Any]]:
        texts = "\n\n".join(f"### {name}\n{text}" for name, text in candidate.sources)
        headers = {"Content-Type": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        response = self.session.post(
            f"{self.config.base_url}/chat/completions",
            headers=headers,
            timeout=self.config.timeout,
            json={
                "model": self.config.model,
                "temperature": 0,
                "response_format": {"type": "json_object"},
                "messages": [
                    {"role": "system", "content": _PROMPT},
                    {
                        "role": "user",
                        "content": f"## Posting\n{job.description}\n\n## Candidate texts\n{texts}",
                    },
                ],
            },
        )
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
        requirements = json.loads(content)["requirements"]
        if not isinstance(requirements, list):
            raise ValueError("requirements is not a list")
        return requirements


def _checked_row(item: Any, candidate: CandidateFeatures) -> dict[str, Any] | None:
    """A requirement row from one judgement; a quote not found verbatim in the named text is rejected."""
    if not isinstance(item, dict) or not str(item.get("text", "")).strip():
        return None
    kind = NICE if item.get("kind") == NICE else MUST
    status = item.get("status") if item.get("status") in _STATUS_VALUE else "missing"
    quote = str(item.get("quote") or "").strip()
    sources = dict(candidate.sources)
    found = []
    if status != "missing":
        source = str(item.get("source", ""))
        names = [source] if source in sources else sorted(sources)
        for name in names:
            start = sources[name].find(quote) if quote else -1
            if start >= 0:
                found = [evidence(candidate, name, start, start + len(quote))]
                break
        if not found:
            status = "missing"  # a claim without a real quote is no evidence
    row = {
        "text": str(item["text"]).strip(),
        "kind": kind,
        "origin": "llm",
        "status": status,
        "value": _STATUS_VALUE[status],
        "evidence": found,
    }
    if status == "missing" and quote:
        row["rejected_quote"] = quote[:200]
    return row


def backend_from_env(environ: Mapping[str, str] | None = None) -> Backend:
    """The LLM backend when configured, else the local engine."""
    config = LLMConfig.from_env(environ)
    return LLMBackend(config) if config is not None else LocalBackend()

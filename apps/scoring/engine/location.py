"""Location and remote compatibility: reported as an explicit flag, never folded into the score."""

from __future__ import annotations

import re

from .features import CandidateFeatures, JobFeatures

# Words a location shares with unrelated ones ("Portland, OR, United States" vs "Austin, TX, United States").
_BROAD = frozenset(
    [
        "united",
        "states",
        "usa",
        "us",
        "uk",
        "america",
        "remote",
        "hybrid",
        "onsite",
        "office",
        "area",
        "greater",
        "metro",
        "city",
        "county",
    ]
)


def _places(location: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", location.lower()) if len(w) > 1 and w not in _BROAD}


def compatibility(job: JobFeatures, candidate: CandidateFeatures) -> dict[str, object]:
    if job.workplace_type == "remote":
        status = "remote"
    elif not job.location or not candidate.location:
        status = "unknown"
    elif _places(job.location) & _places(candidate.location):
        status = "match"
    else:
        status = "mismatch"
    compatible = None if status == "unknown" else status != "mismatch"
    return {
        "job_location": job.location,
        "workplace_type": job.workplace_type,
        "candidate_location": candidate.location,
        "status": status,
        "compatible": compatible,
        "blocker": status == "mismatch" and job.location_required,
        "affects_score": False,
    }

"""The three to five strongest points for and against a candidate, each quoting its evidence."""

from __future__ import annotations

from typing import Any

_MOST = 5


def _quote(evidence: dict[str, Any]) -> str:
    return " ".join(str(evidence["snippet"]).split())


def reasons(explanation: dict[str, Any]) -> list[dict[str, Any]]:
    """Met must-haves first, then fulfilled experience, title and nice-to-haves, each with its quote."""
    found: list[tuple[int, float, dict[str, Any]]] = []
    for order, r in enumerate(explanation["requirements"]):
        if r["status"] == "met" and r["evidence"]:
            rank = 0 if r["kind"] == "must" else 3
            text = f"{'Meets' if r['kind'] == 'must' else 'Has nice-to-have'} “{r['text']}”: “{_quote(r['evidence'][0])}”"
            found.append((rank, -r["value"] + order / 1e6, {"text": text, "evidence": r["evidence"][:1]}))
    for order, e in enumerate(explanation["experience"]["required"]):
        if e["value"] >= 1 and e["positions"]:
            text = f"{e['years']:g} years for “{e['text']}” (asked {e['required_years']:g}): “{_quote(e['positions'][0])}”"
            found.append((1, order / 1e6, {"text": text, "evidence": e["positions"][:1]}))
    seniority = explanation["seniority"]
    if seniority["closest_title"] and seniority["title_similarity"] >= 0.75:
        text = f"Held a similar title to “{seniority['job_title']}”: “{_quote(seniority['closest_title'])}”"
        found.append((2, 0.0, {"text": text, "evidence": [seniority["closest_title"]]}))
    found.sort(key=lambda item: (item[0], item[1]))
    return [item for _, _, item in found[:_MOST]]


def gaps(explanation: dict[str, Any]) -> list[dict[str, Any]]:
    """Missing must-haves first, then experience short of the ask, partial matches, location, nice-to-haves."""
    found: list[tuple[int, int, dict[str, Any]]] = []
    for order, r in enumerate(explanation["requirements"]):
        if r["status"] == "met":
            continue
        must = r["kind"] == "must"
        if r["status"] == "missing":
            rank, text = (
                (0 if must else 4),
                f"No evidence of {'must-have' if must else 'nice-to-have'} “{r['text']}”",
            )
        else:
            rank, text = (2 if must else 5), f"Only partly shows “{r['text']}”: “{_quote(r['evidence'][0])}”"
        found.append((rank, order, {"text": text, "evidence": r["evidence"][:1]}))
    for order, e in enumerate(explanation["experience"]["required"]):
        if e["value"] < 1:
            text = f"{e['years']:g} of {e['required_years']:g} years asked for “{e['text']}”"
            found.append((1, order, {"text": text, "evidence": e["positions"][:1]}))
    location = explanation["location"]
    if location["status"] == "mismatch":
        text = f"Location “{location['candidate_location']}” differs from “{location['job_location']}”"
        found.append((3 if not location["blocker"] else 0, -1, {"text": text, "evidence": []}))
    found.sort(key=lambda item: (item[0], item[1]))
    return [item for _, _, item in found[:_MOST]]

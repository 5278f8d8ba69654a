from __future__ import annotations

from django.utils.safestring import SafeString

from apps.candidates.evidence import Passage, evidence_anchor, highlight, resume_evidence, resume_highlights

TEXT = "Built services in Python on PostgreSQL, deployed on Kubernetes."


def span(text, word):
    start = text.index(word)
    return start, start + len(word)


def requirement(text, *evidence, status="met"):
    return {"text": text, "kind": "must", "status": status, "evidence": list(evidence)}


def resume(text, word, snippet=None):
    start, end = span(text, word)
    return {"source": "resume", "start": start, "end": end, "snippet": word if snippet is None else snippet}


def test_each_passage_is_marked_with_the_anchor_the_score_panel_links_to():
    explanation = {
        "requirements": [
            requirement("Python", resume(TEXT, "Python")),
            requirement("Kubernetes", resume(TEXT, "Kubernetes")),
        ]
    }
    result = resume_highlights(explanation, application_pk=7, text=TEXT)
    assert isinstance(result.html, SafeString)
    assert '<mark id="ev-7-0-0" class="evidence" tabindex="-1">Python</mark>' in result.html
    assert '<mark id="ev-7-1-0" class="evidence" tabindex="-1">Kubernetes</mark>' in result.html
    assert result.located == 2 and result.unlocated == ()
    assert evidence_anchor(7, 1, 0) == "ev-7-1-0"


def test_requirements_are_numbered_like_the_panel_skipping_non_dict_rows():
    explanation = {
        "requirements": ["junk", requirement("SQL", {"source": "skills"}, resume(TEXT, "PostgreSQL"))]
    }
    passages, misfits = resume_evidence(explanation, application_pk=3, text=TEXT)
    assert passages == [Passage("ev-3-0-1", *span(TEXT, "PostgreSQL"))]  # evidence 0 is not the resume's
    assert misfits == []


def test_text_is_escaped_and_markup_in_the_resume_never_runs():
    text = 'Skills: <script>alert("x")</script> & <b>Python</b> <img src=x onerror=alert(1)>'
    explanation = {"requirements": [requirement("Python", resume(text, "Python"))]}
    html = str(resume_highlights(explanation, application_pk=1, text=text).html)
    assert "<script>" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert '<mark id="ev-1-0-0" class="evidence" tabindex="-1">Python</mark>&lt;/b&gt;' in html


def test_a_passage_made_of_markup_is_escaped_inside_the_mark():
    text = "Knows <svg onload=alert(1)> well"
    passages = [Passage("ev-1-0-0", *span(text, "<svg onload=alert(1)>"))]
    html = str(highlight(text, passages).html)
    assert '<mark id="ev-1-0-0" class="evidence" tabindex="-1">&lt;svg onload=alert(1)&gt;</mark>' in html


def test_overlapping_passages_become_one_mark_holding_every_anchor():
    text = "Python and PostgreSQL"
    passages = [Passage("ev-1-0-0", 0, 10), Passage("ev-1-1-0", 7, 21), Passage("ev-1-2-0", 0, 6)]
    html = str(highlight(text, passages).html)
    assert html.count("<mark") == 1
    assert html == (
        '<mark id="ev-1-2-0" class="evidence" tabindex="-1">'
        '<span class="evidence-anchor" id="ev-1-0-0" tabindex="-1"></span>'
        '<span class="evidence-anchor" id="ev-1-1-0" tabindex="-1"></span>'
        "Python and PostgreSQL</mark>"
    )


def test_touching_passages_stay_two_marks():
    html = str(highlight("abcdef", [Passage("a", 0, 3), Passage("b", 3, 6)]).html)
    assert html == (
        '<mark id="a" class="evidence" tabindex="-1">abc</mark><mark id="b" class="evidence" tabindex="-1">def</mark>'
    )


def test_offsets_outside_the_text_are_ignored_but_their_links_still_land():
    text = "Short resume"
    passages = [
        Passage("far", 50, 60),
        Passage("negative", -3, 2),
        Passage("empty", 4, 4),
        Passage("ok", 0, 5),
    ]
    result = highlight(text, passages)
    html = str(result.html)
    assert html.count("<mark") == 1 and '<mark id="ok"' in html
    assert set(result.unlocated) == {"far", "negative", "empty"}
    for anchor in ("far", "negative", "empty"):  # at the top of the text, not marking anything
        assert f'<span class="evidence-anchor" id="{anchor}" tabindex="-1"></span>' in html
    assert html.endswith(" resume")


def test_stale_or_malformed_evidence_is_not_highlighted():
    explanation = {
        "requirements": [
            requirement("Python", resume(TEXT, "Python", snippet="Golang")),  # the resume changed since
            requirement("SQL", {"source": "resume", "start": "3", "end": 9, "snippet": "x"}),
            requirement("Bool", {"source": "resume", "start": True, "end": 2}),
            requirement("Far", {"source": "resume", "start": 10, "end": 10_000, "snippet": "x"}),
            requirement("Kubernetes", resume(TEXT, "Kubernetes")),
        ]
    }
    result = resume_highlights(explanation, application_pk=9, text=TEXT)
    assert result.located == 1 and '<mark id="ev-9-4-0"' in result.html
    assert result.unlocated == ("ev-9-0-0", "ev-9-1-0", "ev-9-2-0", "ev-9-3-0")


def test_blanked_personal_data_and_folded_characters_still_match():
    text = "Contact Ada at ada@example.org — ﬁve years of Python"
    start, end = span(text, "ada@example.org — ﬁve")
    snippet = " " * len("ada@example.org") + " — ﬁve"  # the engine blanked the address
    explanation = {
        "requirements": [
            requirement("x", {"source": "resume", "start": start, "end": end, "snippet": snippet})
        ]
    }
    assert resume_highlights(explanation, application_pk=1, text=text).located == 1


def test_no_explanation_or_no_requirements_gives_the_plain_escaped_text():
    for explanation in (None, {}, {"requirements": "nope"}, {"requirements": [{"evidence": "nope"}]}):
        result = resume_highlights(explanation, application_pk=1, text="a < b")
        assert str(result.html) == "a &lt; b" and result.located == 0

"""sanitise_description: Lever's posting HTML whitelist (LEVER_API.md §9.7), applied to untrusted input."""

from __future__ import annotations

import pytest

from apps.integrations.lever.validation import validate_posting_fields
from apps.jobs.posting_html import PostingHtmlError, safe_href, sanitise_description


def clean(markup):
    return sanitise_description(markup).html


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<div>Build <b>the</b> <i>platform</i></div><div><br></div><p>Then <u>ship</u> <s>it</s></p>", None),
        ('<span style="font-size: 18px">Big</span>', None),
        ('<a href="https://acme.example/jobs?a=1&amp;b=2" class="postings-link">Apply</a>', None),
        ("<strong>bold</strong> and <em>leaning</em>", "<b>bold</b> and <i>leaning</i>"),
        ("<STRIKE>old</STRIKE>", "<s>old</s>"),
    ],
)
def test_whitelisted_markup_is_kept(markup, expected):
    assert clean(markup) == (expected or markup)


@pytest.mark.parametrize(
    ("markup", "named"),
    [
        ("<div>Hi<script>alert(1)</script></div>", "<script>"),
        ("<style>p{}</style><p>x</p>", "<style>"),
        ('<img src="x" onerror="alert(1)">', "<img>"),
        ("<iframe src=//evil></iframe>", "<iframe>"),
        ("<h2>About</h2><ul><li>One</li></ul>", "<h2>, <ul>, <li>"),
        ("<svg><a href='javascript:x'>x</a></svg>", "<svg>"),
    ],
)
def test_elements_lever_refuses_are_refused_by_name(markup, named):
    with pytest.raises(PostingHtmlError, match=named) as caught:
        sanitise_description(markup)
    assert "It accepts <a>, <b>, <br>, <div>" in str(caught.value)


def test_an_element_split_to_dodge_a_filter_is_still_refused():
    with pytest.raises(PostingHtmlError):
        sanitise_description("<scr<script>ipt>alert(1)</script>")


@pytest.mark.parametrize(
    ("markup", "expected", "removed"),
    [
        ('<div onclick="steal()">Hi</div>', "<div>Hi</div>", "onclick on <div>"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>", 'href="javascript:alert(1)" on <a>'),
        ('<a href=" JaVa&#x09;Script:alert(1)">x</a>', "<a>x</a>", "on <a>"),
        ('<a href="data:text/html,<script>x</script>">x</a>', "<a>x</a>", "on <a>"),
        (
            '<p style="color: red; font-size: 14px">x</p>',
            "<p>x</p>",
            'style="color: red; font-size: 14px" on <p>',
        ),
        ('<p class="big">x</p>', "<p>x</p>", 'class="big" on <p>'),
        ('<div id="a" title="&quot;><script>x</script>">x</div>', "<div>x</div>", "title on <div>"),
        ('<b href="https://acme.example">x</b>', "<b>x</b>", "on <b>"),
    ],
)
def test_attributes_lever_does_not_accept_are_removed_and_reported(markup, expected, removed):
    result = sanitise_description(markup)
    assert result.html == expected
    assert any(removed in note for note in result.removed), result.removed


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<b><i>x</b> y</i>", "<b><i>x</i></b> y"),  # misnested: closed in order
        ("<div><p>open", "<div><p>open</p></div>"),  # left open: closed at the end
        ("</div>stray</span>", "stray"),  # end tags of nothing: dropped
        ("<div>a<br/>b<br></br></div>", "<div>a<br>b<br></div>"),
        ("<div>1 &lt; 2 &amp; 3 > 2</div>", "<div>1 &lt; 2 &amp; 3 &gt; 2</div>"),  # text is re-escaped
        ("<div>a<!-- hidden <script> --></div><!DOCTYPE html>", "<div>a</div>"),
        ("<b/>x", "<b></b>x"),
    ],
)
def test_malformed_markup_is_rebuilt_balanced(markup, expected):
    assert clean(markup) == expected


def test_plain_text_becomes_one_div_per_line_like_levers_editor():
    assert clean("Join us.\r\n\r\nWe build <3 things & more") == (
        "<div>Join us.</div><div><br></div><div>We build &lt;3 things &amp; more</div>"
    )
    assert clean("   ") == ""


@pytest.mark.parametrize(
    "markup",
    [
        '<div onclick="x()">Hi <strong>there</strong></div>',
        '<a href="javascript:alert(1)" style="font-size: 99px">x</a>',
        "<b><i>x</b></i><p>",
        "plain\ntext",
    ],
)
def test_what_comes_out_passes_lever_own_whitelist_check(markup):
    validate_posting_fields({"content": {"descriptionHtml": clean(markup)}})


@pytest.mark.parametrize(
    ("href", "safe"),
    [
        ("https://acme.example", True),
        ("mailto:jobs@acme.example", True),
        ("/careers", True),
        ("#apply", True),
        ("javascript:alert(1)", False),
        ("  javascript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("vbscript:x", False),
        ("data:text/html;base64,xx", False),
    ],
)
def test_only_link_targets_a_job_seeker_can_safely_follow_are_kept(href, safe):
    assert safe_href(href) is safe

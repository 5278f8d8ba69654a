"""Sanitise a posting description to the HTML Lever accepts, before it goes anywhere near Lever.

Lever whitelists posting HTML (LEVER_API.md §9.7, `[S]` from Lever's docs only): a description may use
`div p span br b i s u a`, with the attributes `href`, `class` (only "postings-link") and `style` (only
font-size 10/14/18/24/32px); anything else is an error. The docs do not say whether Lever strips or
refuses a bad attribute, nor which URL schemes it takes in `href`, so we are strict on both.

The policy, written for untrusted input:
- an element Lever does not accept is refused, naming it, rather than silently dropped: the recruiter
  decides what a `<h2>` or a `<ul>` becomes (and `<script>` never gets in);
- `strong`, `em`, `strike` and `del` are renamed to their whitelisted twins `b`, `i` and `s`;
- attributes Lever does not accept (`onclick`, `id`, a `javascript:` href, a colour style) are removed,
  and each removal is reported so the form can say what changed;
- the output is rebuilt from the parse, never copied from the input: text is re-escaped, tags are
  balanced (stray end tags dropped, open ones closed), comments and doctypes disappear;
- text without any markup becomes one `<div>` per line, the way Lever's editor writes paragraphs.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from apps.integrations.lever.validation import ALLOWED_CLASSES, ALLOWED_FONT_SIZES, DESCRIPTION_TAGS

ALIASES = {"strong": "b", "em": "i", "strike": "s", "del": "s"}
VOID_TAGS = frozenset({"br"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
# Browsers ignore ASCII whitespace and control characters inside a URL ("java\tscript:" runs).
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_HAS_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


class PostingHtmlError(ValueError):
    """The description has elements Lever refuses; `tags` names them in the order they first appear."""

    def __init__(self, tags: list[str]) -> None:
        self.tags = tags
        named = ", ".join(f"<{tag}>" for tag in tags)
        allowed = ", ".join(f"<{tag}>" for tag in sorted(DESCRIPTION_TAGS))
        super().__init__(f"Lever does not accept {named} in a posting description. It accepts {allowed}.")


@dataclass(frozen=True)
class Sanitised:
    html: str
    removed: tuple[str, ...] = ()  # what was taken out, e.g. 'onclick on <a>'


def sanitise_description(markup: str) -> Sanitised:
    """Return `markup` rebuilt from Lever's whitelist; raise PostingHtmlError naming refused elements."""
    markup = markup.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not markup:
        return Sanitised("")
    if not _HAS_MARKUP.search(markup):
        return Sanitised(_text_to_html(markup))
    builder = _Builder()
    builder.feed(markup)
    builder.close()
    if builder.refused:
        raise PostingHtmlError(builder.refused)
    return Sanitised(builder.result(), tuple(dict.fromkeys(builder.removed)))


def _text_to_html(text: str) -> str:
    return "".join(
        f"<div>{html.escape(line.strip(), quote=False)}</div>" if line.strip() else "<div><br></div>"
        for line in text.split("\n")
    )


def safe_href(value: str) -> bool:
    """Tell whether a link target is one a job seeker can safely follow (no javascript:, data:, …)."""
    match = _SCHEME.match(_URL_NOISE.sub("", value).lower())
    return match is None or match.group(1) in SAFE_SCHEMES


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.refused: list[str] = []
        self.removed: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = ALIASES.get(tag, tag)
        if tag not in DESCRIPTION_TAGS:
            if tag not in self.refused:
                self.refused.append(tag)
            return
        kept = "".join(f' {name}="{html.escape(value)}"' for name, value in self._attributes(tag, attrs))
        self.out.append(f"<{tag}{kept}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        tag = ALIASES.get(tag, tag)
        if tag in DESCRIPTION_TAGS and tag not in VOID_TAGS:  # "<b/>" opens nothing
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        tag = ALIASES.get(tag, tag)
        if tag not in self.open:
            return  # a stray or refused end tag: nothing to close
        while self.open:  # close what was left open inside it (misnested markup)
            inner = self.open.pop()
            self.out.append(f"</{inner}>")
            if inner == tag:
                break

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))

    # Comments, doctypes, processing instructions and CDATA are dropped by not handling them.

    def result(self) -> str:
        self.out.extend(f"</{tag}>" for tag in reversed(self.open))
        self.open.clear()
        return "".join(self.out).strip()

    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> list[tuple[str, str]]:
        kept: dict[str, str] = {}
        for name, raw in attrs:
            value = (raw or "").strip()
            if name == "href" and tag == "a" and value and safe_href(value):
                kept["href"] = value
            elif name == "class" and value and set(value.split()) <= ALLOWED_CLASSES:
                kept["class"] = " ".join(value.split())
            elif name == "style" and _font_size(value):
                kept["style"] = f"font-size: {_font_size(value)}"
            else:
                shown = f'{name}="{value[:40]}"' if name in ("href", "class", "style") else name
                self.removed.append(f"{shown} on <{tag}>")
        return list(kept.items())


def _font_size(style: str) -> str | None:
    """Return the font size of a style that sets only an allowed font-size, else None."""
    declarations = [part.strip() for part in style.split(";") if part.strip()]
    if len(declarations) != 1:
        return None
    prop, _, size = (piece.strip().lower() for piece in declarations[0].partition(":"))
    return size if prop == "font-size" and size in ALLOWED_FONT_SIZES else None

"""Capture every log record and find secrets in captured text without ever printing them.

`capture_all_logs()` puts every logger (root included) at DEBUG for the duration and records each
record's full text: the formatted message, the formatted traceback (chained exceptions included),
the stack and the repr of every extra attribute (`request` on django.request records is what an
error e-mail or Sentry would ship). Loggers that do not propagate (django.server, django-q) get the
handler directly. The sandbox's own loggers (`apps.lever_sandbox*`) are the remote service, not us,
and are left out.

`Secret.forms()` lists the shapes a secret most often leaks in: as is (any case), URL- and
form-encoded, HTML- and JSON-escaped, HTTP Basic (base64 of `value:`) and base64 anywhere inside a
longer blob (the three byte alignments, both alphabets). `scan()` reports where each was found by
secret label, form and place only.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

EXCLUDED_LOGGERS = ("apps.lever_sandbox",)
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_MIN_FRAGMENT = 16  # shorter base64 fragments could match by chance


@dataclass(frozen=True)
class Secret:
    label: str  # what it is, e.g. "OAuth refresh token #2"; printed, so never the value itself
    value: str

    def forms(self) -> list[tuple[str, str, bool]]:
        """Return (form name, text, case-sensitive) for each way the value is looked for."""
        value = self.value
        raw = value.encode()
        found: dict[str, tuple[str, bool]] = {"as is": (value, False)}
        for name, text in (
            ("URL-encoded", quote(value, safe="")),
            ("form-encoded", quote_plus(value)),
            ("HTML-escaped", html.escape(value)),
            ("JSON-escaped", json.dumps(value)[1:-1]),
        ):
            if text != value:
                found.setdefault(name, (text, False))
        found["base64 of 'value:' (HTTP Basic)"] = (base64.b64encode(raw + b":").decode(), True)
        for alphabet, encode in (("base64", base64.b64encode), ("urlsafe base64", base64.urlsafe_b64encode)):
            for offset in range(3):
                fragment = _aligned_fragment(encode, raw, offset)
                if len(fragment) >= _MIN_FRAGMENT:
                    found.setdefault(f"{alphabet} (inside a blob, alignment {offset})", (fragment, True))
        return [(name, text, case) for name, (text, case) in found.items()]


def _aligned_fragment(encode, raw: bytes, offset: int) -> str:
    """The base64 characters that depend on `raw` only, when `raw` starts `offset` bytes into a blob."""
    encoded = encode(b"\0" * offset + raw).decode()
    start = -(-offset * 8 // 6)  # characters carrying a bit of the prefix
    end = (offset + len(raw)) // 3 * 4  # complete groups only: the last one depends on what follows
    return encoded[start:end]


@dataclass(frozen=True)
class Finding:
    secret: str
    form: str
    where: str

    def __str__(self) -> str:
        return f"{self.secret} ({self.form}) in {self.where}"


def scan(sources: Iterable[tuple[str, str]], secrets: Iterable[Secret]) -> list[Finding]:
    """Look for every form of every secret in each (where, text) source; one finding per secret and place."""
    patterns = [
        (secret.label, form, text if case else text.lower(), case)
        for secret in secrets
        if secret.value
        for form, text, case in secret.forms()
    ]
    findings: list[Finding] = []
    for where, text in sources:
        if not text:
            continue
        lowered = text.lower()
        hit: set[str] = set()
        for label, form, pattern, case in patterns:
            if label not in hit and pattern in (text if case else lowered):
                hit.add(label)
                findings.append(Finding(label, form, where))
    return _safe(findings, patterns)


def _safe(findings: list[Finding], patterns: list[tuple[str, str, str, bool]]) -> list[Finding]:
    """Blank any secret that slipped into a place description (a path, a file name)."""
    safe = []
    for finding in findings:
        where = finding.where
        for _, _, pattern, _ in patterns:
            if pattern.lower() in where.lower():
                where = "<a place whose name holds a secret>"
        safe.append(Finding(finding.secret, finding.form, where))
    return safe


def report(findings: list[Finding], what: str) -> str:
    lines = [f"{len(findings)} leak(s) of {what} (the values themselves are not printed):"]
    lines += [f"  - {finding}" for finding in findings[:60]]
    if len(findings) > 60:
        lines.append(f"  … and {len(findings) - 60} more")
    return "\n".join(lines)


def page_text(response) -> str:
    """A response as text: headers, cookies and body."""
    streaming = getattr(response, "streaming", False)
    body = b"".join(response.streaming_content) if streaming else response.content
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    cookies = response.cookies.output() if response.cookies else ""
    return f"{headers}\n{cookies}\n\n{body.decode('utf-8', 'replace')}"


# -- capturing logs ---------------------------------------------------------------------------------------


@dataclass
class CapturedRecord:
    where: str
    text: str


class CaptureHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[CapturedRecord] = []
        self._formatter = logging.Formatter()
        self._count = 0
        self._count_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(EXCLUDED_LOGGERS):
            return
        parts = []
        try:
            parts.append(record.getMessage())
        except Exception:  # a broken format string still has its template and arguments
            parts.append(f"{record.msg!r} % {record.args!r}")
        if record.exc_info:
            parts.append(self._formatter.formatException(record.exc_info))
        elif record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES:
                try:
                    parts.append(f"{key}={value!r}")
                except Exception:
                    parts.append(f"{key}=<unrepresentable {type(value).__name__}>")
        with self._count_lock:
            self._count += 1
            number = self._count
        where = (
            f"log record #{number} (logger {record.name!r}, {record.levelname}, "
            f"{os.path.basename(record.pathname)}:{record.lineno}, thread {record.threadName!r})"
        )
        self.records.append(CapturedRecord(where, "\n".join(parts)))

    def sources(self) -> list[tuple[str, str]]:
        return [(record.where, record.text) for record in self.records]

    def text(self) -> str:
        return "\n".join(record.text for record in self.records)


def _pytest_report_handlers(lg: logging.Logger) -> list[logging.Handler]:
    # pytest copies records into the "Captured log" section of a failed test's report; a leak found
    # here must not be printed in full there, so its handlers sit out while we capture.
    return [h for h in lg.handlers if type(h).__module__.startswith("_pytest")]


@contextmanager
def capture_all_logs() -> Iterator[CaptureHandler]:
    """Capture every record of every logger at DEBUG (the sandbox's own excepted) while the block runs."""
    import django_q.conf  # noqa: F401  # creates the "django-q" logger (own handler, no propagation)

    handler = CaptureHandler()
    root = logging.getLogger()
    manager = logging.Logger.manager
    loggers = [root, *(lg for lg in list(manager.loggerDict.values()) if isinstance(lg, logging.Logger))]
    saved = {lg: (lg.level, lg.disabled) for lg in loggers}
    parked = [(lg, h) for lg in loggers for h in _pytest_report_handlers(lg)]
    previous_disable = manager.disable
    logging.disable(logging.NOTSET)
    for lg, handler_ in parked:
        lg.removeHandler(handler_)
    attached = []
    for lg in loggers:
        if lg.name.startswith(EXCLUDED_LOGGERS):
            continue
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
        if lg is not root and not lg.propagate:
            lg.addHandler(handler)
            attached.append(lg)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for lg in attached:
            lg.removeHandler(handler)
        for lg, (level, disabled) in saved.items():
            lg.setLevel(level)
            lg.disabled = disabled
        for lg, handler_ in parked:
            lg.addHandler(handler_)
        logging.disable(previous_disable)

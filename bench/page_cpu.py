"""Django CPU per request of the web load's hot pages, through the test Client (no server, no network).

    .venv/bin/python bench/page_cpu.py [--applications 2000] [--repeat 20] [--postgres | --database-url URL]
                                       [--save FILE.json] [--compare FILE.json] [--dump DIR]
                                       [--profile PAGE | --templates PAGE | --explain PAGE]

Builds the dataset of bench/pipeline.py (bench/dataset.py: one job with `--applications` applications,
scores, tags, owners, open moves, up to 3 notes each; the web load's named people unless `--people numbered`) into a throwaway SQLite database (or, with
`--postgres`, a throwaway PostgreSQL database on the local server; or the empty database at
`--database-url`), logs a recruiter in with django.test.Client and requests each page of
bench/web_load_users.py's mix `--repeat` times (the pages, the polls and chips, and the tag and note
actions posted as htmx posts them). Prints, per page, the median CPU time of this process
(time.process_time: Django, plus the database itself with SQLite), on PostgreSQL the server's CPU per
request (its backend process, from /proc), and the SQL queries of one request.
`--save` writes the figures as JSON; `--compare` prints them next to a saved run's; `--dump` writes
each answer's HTML (to diff a change's markup). Instead of measuring: `--profile` runs cProfile on CPU
time, `--templates` times each template rendered (own and with its includes), `--explain` prints
each query's plan (PostgreSQL), for the pages whose label contains PAGE.
"""

from __future__ import annotations

import argparse
import atexit
import itertools
import json
import os
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from procs import bench_env, postgres_create, postgres_drop, table, work_dir  # noqa: E402

HTMX = {"HX-Request": "true"}
# The same markers bench/web_load_users.py follows.
PIPELINE_POLL = re.compile(
    r'id="pipeline-poller"[^>]*hx-get="([^"]+)"|hx-get="([^"]+)"[^>]*id="pipeline-poller"'
)
PROFILE_POLL = re.compile(r'hx-get="(/candidates/\d+/changes/\?since=[^"]*)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=2_000)
    parser.add_argument("--stages", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=20, help="Measured requests per page.")
    parser.add_argument(
        "--people",
        choices=["named", "numbered"],
        default="named",
        help="The web load's named people (default) or bench/pipeline.py's numbered ones.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", action="store_true", help="A throwaway database on local PostgreSQL.")
    where.add_argument("--database-url", default="", help="An empty database to build in (kept).")
    parser.add_argument("--save", type=Path, help="Write the figures to this JSON file.")
    parser.add_argument("--compare", type=Path, help="Print a saved run's figures next to these.")
    parser.add_argument(
        "--dump", type=Path, help="Write each page's answer to this directory (to diff markup before/after)."
    )
    parser.add_argument(
        "--profile", default="", help="cProfile the pages whose label contains this; print the top functions."
    )
    parser.add_argument(
        "--templates",
        default="",
        help="Time each template the pages whose label contains this render: own and with its includes.",
    )
    parser.add_argument(
        "--explain",
        default="",
        help="EXPLAIN ANALYZE each query of the pages whose label contains this (PostgreSQL); slowest first.",
    )
    return parser.parse_args()


def setup(args: argparse.Namespace) -> str:
    """Point Django at the database (production-like settings: DEBUG off) and set it up."""
    work = work_dir("recruitdesk-page-cpu-")  # its database (SQLite) and media, removed at exit
    if args.postgres:
        name = f"recruitdesk_page_cpu_{os.getpid()}"
        database_url = postgres_create(name)
        atexit.register(postgres_drop, name)
    else:
        database_url = args.database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ.update(bench_env(database_url=database_url, work=work))
    os.environ.update(ALLOWED_HOSTS="testserver", LOG_LEVEL="ERROR")
    import warnings

    import django

    # whitenoise: no collectstatic here (static URLs without the manifest, as bench/pipeline.py).
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    return database_url


def backend_cpu_ms() -> float:
    """CPU ms the PostgreSQL backend serving this process has used so far (0 on SQLite: it runs in here).

    Read from /proc: the server runs on this machine, as in bench/web_load.py.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    if not hasattr(backend_cpu_ms, "pid"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_cpu_ms.pid = cursor.fetchone()[0]  # type: ignore[attr-defined]
    fields = Path(f"/proc/{backend_cpu_ms.pid}/stat").read_text().rsplit(")", 1)[1].split()  # type: ignore[attr-defined]
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")  # utime + stime


def request(client, path, headers):  # type: ignore[no-untyped-def]
    """GET the page, or POST an action (a `Post`) as htmx posts it: a new form token every time."""
    if isinstance(path, Post):
        return client.post(path.url, path.values(), secure=True, headers=headers)
    return client.get(path, secure=True, headers=headers)


class Post:
    """An action's POST: its URL and a callable that makes each request's form values."""

    def __init__(self, url: str, values) -> None:  # type: ignore[no-untyped-def]
        self.url, self.values = url, values

    def __str__(self) -> str:
        return self.url


def measure(client, pages: list, repeat: int, rounds: int = 5) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """Median and p90 CPU ms per page over `repeat` requests (after a warm-up), and one request's queries.

    The pages take turns, `rounds` times (a few requests each): a busy moment of the machine then
    weighs on every page alike instead of on whichever page was measured during it. On PostgreSQL,
    also the server's CPU per request (its backend's CPU over all of a page's requests, divided:
    the kernel counts in clock ticks of 10 ms, too coarse for one request).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get(path: str, headers: dict[str, str] | None) -> int:
        response = request(client, path, headers)
        if response.status_code not in (200, 204, 286):
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        return response.status_code

    status = {label: get(path, headers) for label, path, headers in pages}
    cpu: dict[str, list[float]] = {label: [] for label, _, _ in pages}
    database: dict[str, float] = dict.fromkeys(cpu, 0.0)
    per_round = max(1, -(-repeat // rounds))
    for _ in range(rounds):
        for label, path, headers in pages:
            before = backend_cpu_ms()
            for _ in range(per_round):
                started = time.process_time()
                get(path, headers)
                cpu[label].append((time.process_time() - started) * 1000)
            database[label] += backend_cpu_ms() - before
    results = {}
    for label, path, headers in pages:
        with CaptureQueriesContext(connection) as captured:
            get(path, headers)
        ordered = sorted(cpu[label])
        results[label] = {
            "cpu_ms": statistics.median(ordered),
            "cpu_p90": ordered[min(len(ordered) - 1, round(0.9 * len(ordered)) - 1)],
            "db_cpu_ms": database[label] / len(ordered),
            "queries": len(captured),
            "status": status[label],
        }
    return results


def profile_pages(client, pages: list, repeat: int) -> None:  # type: ignore[no-untyped-def]
    """Print each page's SQL (shortened) and where its CPU goes (cProfile on CPU time, cumulative and own)."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for label, path, headers in pages:
        with CaptureQueriesContext(connection) as captured:
            request(client, path, headers)
        print(f"== {label}: {len(captured)} queries")
        for query in captured:
            print(f"  {query['sql'][:300]}")
        profiler = cProfile.Profile(time.process_time)  # CPU, as measured: not the wait for PostgreSQL
        profiler.enable()
        for _ in range(repeat):
            request(client, path, headers)
        profiler.disable()
        print(f"== {label} ({repeat} requests)")
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(r"/apps/|/templatetags/|template/(base|loader_tags)", 40)
        stats.sort_stats("tottime").print_stats(20)


def template_times(client, pages: list, repeat: int) -> None:  # type: ignore[no-untyped-def]
    """Print the CPU ms per request each template takes to render, with its includes and without them."""
    from collections import defaultdict

    from django.template.base import Template

    original = Template._render
    inclusive: dict[str, float] = defaultdict(float)
    own: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    stack: list[float] = []  # per open render: the CPU its nested renders took

    def timed(self, context):  # type: ignore[no-untyped-def]
        started = time.process_time()
        stack.append(0.0)
        try:
            return original(self, context)
        finally:
            nested = stack.pop()
            took = time.process_time() - started
            inclusive[self.name] += took
            own[self.name] += took - nested
            calls[self.name] += 1
            if stack:
                stack[-1] += took

    Template._render = timed
    try:
        for label, path, headers in pages:
            inclusive.clear(), own.clear(), calls.clear()
            for _ in range(repeat):
                request(client, path, headers)
            rows = [
                [
                    name,
                    f"{calls[name] / repeat:g}",
                    f"{1000 * own[name] / repeat:.2f}",
                    f"{1000 * inclusive[name] / repeat:.2f}",
                ]
                for name in sorted(own, key=lambda n: -own[n])
            ]
            print(f"== {label}: CPU ms per request")
            print(table(["template", "renders", "own ms", "with includes ms"], rows))
    finally:
        Template._render = original


def explain_pages(client, pages: list) -> None:  # type: ignore[no-untyped-def]
    """Print each query of the pages with the database's own execution time, slowest first, and its plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        raise SystemExit("--explain needs --postgres or a PostgreSQL --database-url")
    for label, path, headers in pages:
        request(client, path, headers)  # warm
        with CaptureQueriesContext(connection) as captured:
            request(client, path, headers)
        timed = []
        with connection.cursor() as cursor:
            for query in captured:
                if not query["sql"].lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + query["sql"])
                plan = [row[0] for row in cursor.fetchall()]
                took = next(
                    (float(line.split()[-2]) for line in plan if line.startswith("Execution Time")), 0.0
                )
                timed.append((took, query["sql"], plan))
        print(f"== {label}: {len(captured)} queries, {sum(t for t, _, _ in timed):.1f} ms in the database")
        for took, sql, plan in sorted(timed, key=lambda item: -item[0]):
            print(f"-- {took:.2f} ms  {sql[:400]}")
            for line in plan[:12]:
                print(f"     {line}")


def main() -> None:
    args = parse_args()
    database_url = setup(args)
    from dataset import build, named_person, numbered_person
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from apps.candidates.models import Application
    from apps.integrations.models import WritebackAction

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    person = named_person if args.people == "named" else numbered_person
    job, recruiter = build(args.applications, args.stages, notes=3, person=person)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as bench/web_load.py: planner statistics after bulk inserts
    print(
        f"database: {connection.vendor}; built {args.applications:,} applications over {args.stages} "
        f"stages in {time.perf_counter() - started:.1f}s; {args.repeat} requests per page\n",
        flush=True,
    )
    # The profile and chip of an application with a queued write-back (as after a user's action).
    action = WritebackAction.objects.filter(application__job=job).select_related("application").first()
    candidate_id = action.application.candidate_id
    client = Client()
    client.force_login(recruiter)
    board = reverse("jobs:pipeline", args=[job.pk])
    profile = reverse("candidates:detail", args=[candidate_id])
    # Static URLs without collectstatic's manifest, as bench/pipeline.py.
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ):
        board_page = client.get(board, secure=True).content.decode()
        found = PIPELINE_POLL.search(board_page)
        board_poll = (found.group(1) or found.group(2)).replace("&amp;", "&")
        for _ in range(3):  # follow the poller (as htmx does) until it says "no change"
            answer = client.get(board_poll, secure=True, headers=HTMX)
            if answer.status_code == 204:
                break
            found = PIPELINE_POLL.search(answer.content.decode())
            board_poll = (found.group(1) or found.group(2)).replace("&amp;", "&")
        profile_poll = PROFILE_POLL.search(client.get(profile, secure=True).content.decode())
        profile_poll_url = profile_poll.group(1).replace("&amp;", "&")
        # Actions as bench/web_load_users.py posts them from a profile (an active application).
        acted = (
            Application.objects.filter(job=job, outcome="active").exclude(pk=action.application_id).first()
        )
        counter = itertools.count()
        ACTION = {**HTMX, "HX-Current-URL": f"https://testserver/candidates/{acted.candidate_id}/"}

        def tag_values() -> dict[str, str]:
            return {"form_token": uuid.uuid4().hex, "next": "", "tag": f"bench-{next(counter) % 50}"}

        def note_values() -> dict[str, str]:
            return {"form_token": uuid.uuid4().hex, "next": "", "text": f"Bench note #{next(counter)}"}

        # Searches as the web load's: a surname, a company.
        search_name, search_company = (
            ("Castillo", "Acme") if args.people == "named" else ("Candidate+0012", "Company+12")
        )
        pages = [
            ("dashboard", "/", None),
            ("jobs list", reverse("jobs:list"), None),
            ("pipeline board (big job)", board, None),
            ("pipeline board, filter (htmx)", f"{board}?tier=tier_1", HTMX),
            ("pipeline list", f"{reverse('jobs:pipeline-list', args=[job.pk])}?sort=-score", None),
            (
                "pipeline list, page 2 (htmx)",
                f"{reverse('jobs:pipeline-list', args=[job.pk])}?sort=name&page=2",
                HTMX,
            ),
            ("board poll (no change, 204)", board_poll, HTMX),
            ("candidate profile", profile, None),
            ("profile poll (no change, 204)", profile_poll_url, HTMX),
            ("profile poll (changed)", profile_poll_url.split("?")[0] + "?since=0", HTMX),
            ("write-back status chip", reverse("integrations:writeback-status", args=[action.pk]), HTMX),
            ("candidate search", f"{reverse('candidates:list')}?q={search_name}", None),
            ("candidate search (htmx)", f"{reverse('candidates:list')}?q={search_company}", HTMX),
            ("job page", reverse("jobs:detail", args=[job.pk]), None),
            (
                "action: add tag (POST)",
                Post(reverse("actions:application-tag-add", args=[acted.pk]), tag_values),
                ACTION,
            ),
            (
                "action: add note (POST)",
                Post(reverse("actions:application-note", args=[acted.pk]), note_values),
                ACTION,
            ),
        ]
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            for label, path, headers in pages:
                name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
                (args.dump / f"{name}.html").write_bytes(request(client, path, headers).content)
        if args.profile:
            profile_pages(client, [p for p in pages if args.profile in p[0]], args.repeat)
            return
        if args.templates:
            template_times(client, [p for p in pages if args.templates in p[0]], args.repeat)
            return
        if args.explain:
            explain_pages(client, [p for p in pages if args.explain in p[0]])
            return
        results = measure(client, pages, args.repeat)
    before = json.loads(args.compare.read_text())["pages"] if args.compare else {}
    postgres = connection.vendor == "postgresql"
    headers = [
        "page",
        "status",
        "CPU ms (median)",
        "CPU ms (p90)",
        *(["PostgreSQL CPU ms"] if postgres else []),
        "queries",
    ]
    if before:
        headers += ["before: CPU ms", "before: queries", "CPU change"]
    rows = []
    for label, r in results.items():
        row = [label, r["status"], f"{r['cpu_ms']:.1f}", f"{r['cpu_p90']:.1f}"]
        row += [f"{r['db_cpu_ms']:.1f}"] if postgres else []
        row.append(r["queries"])
        if before:
            old = before.get(label)
            row += (
                [f"{old['cpu_ms']:.1f}", old["queries"], f"{100 * (r['cpu_ms'] / old['cpu_ms'] - 1):+.0f} %"]
                if old
                else ["—", "—", "—"]
            )
        rows.append(row)
    print(table(headers, rows))
    print(f"\nload average while measuring: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    if args.save:
        figures = {"database": connection.vendor, "applications": args.applications, "pages": results}
        args.save.write_text(json.dumps(figures, indent=1))
        print(f"saved to {args.save}")
    if not args.database_url and not args.postgres:
        Path(database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)


if __name__ == "__main__":
    main()

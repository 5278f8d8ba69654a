"""A Lever v1 Data API server on loopback, with seeded data (see DESIGN.md §8 and LEVER_API.md).

Start one in-process (tests, benchmarks)::

    from apps.lever_sandbox.server import SandboxServer

    with SandboxServer(seed=42, opportunities=300) as sandbox:
        requests.get(f"{sandbox.api_url}/opportunities", auth=(sandbox.api_key, ""))
        sandbox.simulate_stage_change(opportunity_id, "offer")  # fires candidateStageChange
        sandbox.request_counts()["endpoints"]  # {"GET /v1/opportunities": 1, ...}

or from the shell: ``manage.py lever_sandbox --port 8765 --opportunities 2000`` (it prints the API
key, the OAuth client and the control URL ``/_sandbox``).

Layout: ``generate/`` builds the seeded dataset (a compact opportunity index; full objects and
children on demand), ``store`` holds it plus what writes changed, ``protocol`` is Lever's wire
format, ``handlers_*``/``writes``/``create``/``posting_writes`` serve ``/v1``, ``oauth`` and
``webhooks`` the flows around it, ``faults`` the rate limit and injected failures, ``app`` the WSGI
application and its Python controls, ``control`` the same controls over HTTP, ``server`` the
threaded loopback server. Nothing here imports Django except the management command.
"""

from __future__ import annotations

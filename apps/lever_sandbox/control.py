"""``/_sandbox/*``: the same controls as the Python API, over loopback HTTP with JSON bodies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.lever_sandbox.protocol import ApiError, Request, Response, bad_request, json_response

if TYPE_CHECKING:
    from apps.lever_sandbox.app import Sandbox

ENDPOINTS = {
    "GET /_sandbox": "this overview: credentials, URLs and dataset size",
    "GET /_sandbox/stats": "request counts per endpoint pattern (?timestamps=true adds arrival times)",
    "POST /_sandbox/stats/reset": "zero the request counters",
    "GET /_sandbox/config": "current switches",
    "POST /_sandbox/config": "change switches: rate_limit, error_rate, latency, drop_rate, truncate_rate, "
    "spike_rate, spike_latency, throttle_rate, throttle_burst, confidential_access, token_lifetime, oauth_auto_approve",
    "POST /_sandbox/revoke": "revoke the OAuth app (token endpoint invalid_grant, API 401 for OAuth tokens)",
    "POST /_sandbox/restore": "allow OAuth again (old grants stay dead; authorize again)",
    "GET /_sandbox/deliveries": "webhook deliveries with payloads and attempts",
    "POST /_sandbox/simulate/stage-change": '{"opportunityId", "stageId"}',
    "POST /_sandbox/simulate/archive": '{"opportunityId", "reasonId"} (null unarchives)',
    "POST /_sandbox/simulate/delete": '{"opportunityId"}',
    "POST /_sandbox/simulate/new-application": '{"postingId"?, "name"?, "email"?}',
    "POST /_sandbox/simulate/interview": '{"opportunityId", "action": created|updated|deleted, "interviewId"?}',
}


def _body(req: Request) -> dict[str, Any]:
    body = req.json()
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    return body


def _required(body: dict[str, Any], name: str) -> Any:
    if name not in body:
        raise bad_request(f"{name} is required")
    return body[name]


def overview(sb: Sandbox, req: Request) -> Response:
    host = req.headers.get("host", "127.0.0.1")
    base = f"http://{host}"
    return json_response(
        {
            "baseUrl": f"{base}/v1",
            "apiKey": sb.api_key,
            **sb.oauth_info(base),
            "dataset": sb.dataset_summary(),
            "controls": ENDPOINTS,
        }
    )


def stats(sb: Sandbox, req: Request) -> Response:
    counts = sb.request_counts()
    if (req.arg("timestamps") or "").lower() not in ("1", "true"):
        counts.pop("timestamps")
    return json_response(counts)


def reset_stats(sb: Sandbox, req: Request) -> Response:
    sb.reset_counts()
    return json_response({"ok": True})


def get_config(sb: Sandbox, req: Request) -> Response:
    return json_response(sb.config())


def set_config(sb: Sandbox, req: Request) -> Response:
    try:
        return json_response(sb.configure(**_body(req)))
    except (TypeError, ValueError) as exc:
        raise bad_request(str(exc)) from exc


def revoke(sb: Sandbox, req: Request) -> Response:
    sb.revoke_oauth()
    return json_response(sb.config())


def restore(sb: Sandbox, req: Request) -> Response:
    sb.restore_oauth()
    return json_response(sb.config())


def deliveries(sb: Sandbox, req: Request) -> Response:
    return json_response({"data": sb.deliveries()})


def simulate(sb: Sandbox, req: Request) -> Response:
    body = _body(req)
    action = req.path.rstrip("/").rsplit("/", 1)[-1]
    try:
        if action == "stage-change":
            result = sb.simulate_stage_change(_required(body, "opportunityId"), _required(body, "stageId"))
        elif action == "archive":
            result = sb.simulate_archive(_required(body, "opportunityId"), _required(body, "reasonId"))
        elif action == "delete":
            result = sb.simulate_delete(_required(body, "opportunityId"))
        elif action == "new-application":
            result = sb.simulate_new_application(body.get("postingId"), body.get("name"), body.get("email"))
        else:
            result = sb.simulate_interview(
                _required(body, "opportunityId"), body.get("action", "created"), body.get("interviewId")
            )
    except KeyError as exc:
        raise ApiError(404, f"opportunities {exc.args[0]} was not found") from None
    return json_response({"data": result})


ROUTES = [
    ("GET", "/_sandbox", overview),
    ("GET", "/_sandbox/stats", stats),
    ("POST", "/_sandbox/stats/reset", reset_stats),
    ("GET", "/_sandbox/config", get_config),
    ("POST", "/_sandbox/config", set_config),
    ("POST", "/_sandbox/revoke", revoke),
    ("POST", "/_sandbox/restore", restore),
    ("GET", "/_sandbox/deliveries", deliveries),
    *(
        ("POST", f"/_sandbox/simulate/{name}", simulate)
        for name in ("stage-change", "archive", "delete", "new-application", "interview")
    ),
]

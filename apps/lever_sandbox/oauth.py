"""Lever's OAuth 2.0 authorization-code flow (LEVER_API.md §2.2–2.3) with a revocation switch.

Codes are single use and bound to their redirect URI; access tokens are HS512 JWTs that expire
after ``token_lifetime`` seconds; refresh tokens rotate, so a used one answers ``invalid_grant``.
Revoking the app kills every grant issued so far and makes the token endpoint refuse until it is
restored (a new authorization is then needed, as after a real revocation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import math
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from apps.lever_sandbox.protocol import Request, Response, json_response

DEFAULT_SCOPE = (
    "offline_access opportunities:write:admin applications:read:admin stages:read:admin "
    "archive_reasons:read:admin tags:read:admin sources:read:admin users:read:admin postings:write:admin "
    "requisitions:read:admin notes:write:admin feedback:read:admin interviews:read:admin panels:read:admin "
    "offers:read:admin resumes:read:admin files:write:admin forms:read:admin referrals:read:admin "
    "contact:read:admin webhooks:write:admin confidential:access:admin"
)
CODE_LIFETIME = 600.0
_JWT_HEADER = b'{"alg":"HS512","typ":"JWT"}'


@dataclass
class Grant:
    id: str
    client_id: str
    scope: str
    alive: bool = True

    @property
    def confidential(self) -> bool:
        return "confidential:access:admin" in self.scope.split()


class OAuth:
    """State of the sandbox's authorization server."""

    def __init__(
        self, clients: dict[str, str], token_lifetime: float, signing_key: bytes, account: str, user_id: str
    ) -> None:
        self.clients = dict(clients)
        self.token_lifetime = token_lifetime
        self.revoked = False
        self.auto_approve = False
        self._key = signing_key
        self._account = account
        self._user_id = user_id
        self._codes: dict[str, tuple[str, str, str, float]] = {}  # code -> client, redirect, scope, expiry
        self._grants: dict[str, Grant] = {}
        self._access: dict[str, tuple[Grant, float]] = {}
        self._refresh: dict[str, Grant] = {}
        self._lock = threading.Lock()

    # ----------------------------------------------------------------------------------------------
    # Authorization endpoint: a consent page, then a redirect back with a code or an error
    # ----------------------------------------------------------------------------------------------
    def authorize(self, req: Request, company: str) -> Response:
        """Answer ``GET /oauth/authorize`` (consent page) and ``POST`` (the Accept/Deny decision)."""
        params = {k: v[0] for k, v in (req.form()[0] if req.method == "POST" else req.query).items() if v}
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        if client_id not in self.clients:
            return _page(400, "Unknown client", f"No OAuth app has the client id “{html.escape(client_id)}”.")
        if urlsplit(redirect_uri).scheme not in ("http", "https"):
            return _page(400, "Invalid redirect URI", "redirect_uri must be an absolute http(s) URL.")
        state = {"state": params["state"]} if "state" in params else {}
        if params.get("response_type", "code") != "code":
            return _redirect(redirect_uri, {"error": "unsupported_response_type", **state})
        scope = params.get("scope") or DEFAULT_SCOPE
        decision = params.get("decision") or ("accept" if self.auto_approve else None)
        if decision is None:
            return _consent_page(params, scope, company)
        if decision != "accept":
            description = "The user did not authorize the application"
            return _redirect(
                redirect_uri, {"error": "access_denied", "error_description": description, **state}
            )
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = (client_id, redirect_uri, scope, time.time() + CODE_LIFETIME)
        return _redirect(redirect_uri, {"code": code, **state})

    # ----------------------------------------------------------------------------------------------
    # Token endpoint
    # ----------------------------------------------------------------------------------------------
    def token(self, req: Request) -> Response:
        """Answer ``POST /oauth/token`` for the ``authorization_code`` and ``refresh_token`` grants."""
        params = _token_params(req)
        client_id, secret = params.get("client_id", ""), params.get("client_secret", "")
        if self.clients.get(client_id) is None or not hmac.compare_digest(self.clients[client_id], secret):
            return _oauth_error(401, "access_denied", "Unauthorized")
        grant_type = params.get("grant_type")
        if grant_type not in ("authorization_code", "refresh_token"):
            return _oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")
        with self._lock:
            if self.revoked:
                return _oauth_error(403, "invalid_grant", "The authorization of this application was revoked")
            if grant_type == "authorization_code":
                entry = self._codes.pop(params.get("code", ""), None)
                if entry is None or entry[3] < time.time() or entry[0] != client_id:
                    return _oauth_error(403, "invalid_grant", "Invalid authorization code")
                if entry[1] != params.get("redirect_uri"):
                    return _oauth_error(403, "invalid_grant", "Invalid redirect_uri")
                grant = Grant(secrets.token_hex(8), client_id, entry[2])
                self._grants[grant.id] = grant
            else:
                grant = self._refresh.pop(params.get("refresh_token", ""), None)
                if grant is None or not grant.alive or grant.client_id != client_id:
                    return _oauth_error(403, "invalid_grant", "Unknown or invalid refresh token.")
            return json_response(self._issue(grant))

    def _issue(self, grant: Grant) -> dict[str, Any]:
        now = time.time()
        claims = {
            "https://oauth.lever.co/userId": self._user_id,
            "https://oauth.lever.co/accountId": self._account,
            "https://oauth.lever.co/clientId": grant.client_id,
            "iss": "https://auth.lever-sandbox.example/",
            "aud": "https://api.lever-sandbox.example/v1/",
            "iat": int(now),
            "exp": int(now + self.token_lifetime),
            "scope": grant.scope,
            "jti": secrets.token_hex(8),
        }
        access = self._jwt(claims)
        self._access[access] = (grant, now + self.token_lifetime)
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "scope": grant.scope,
            "expires_in": math.ceil(self.token_lifetime),
        }
        if "offline_access" in grant.scope.split():
            refresh = "v1." + secrets.token_urlsafe(48)
            self._refresh[refresh] = grant
            body["refresh_token"] = refresh
        return body

    def _jwt(self, claims: dict[str, Any]) -> str:
        def b64(raw: bytes) -> str:
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        signing_input = f"{b64(_JWT_HEADER)}.{b64(json.dumps(claims).encode())}"
        signature = hmac.new(self._key, signing_input.encode(), hashlib.sha512).digest()
        return f"{signing_input}.{b64(signature)}"

    # ----------------------------------------------------------------------------------------------
    # API side and switches
    # ----------------------------------------------------------------------------------------------
    def check(self, access_token: str) -> tuple[Grant | None, str]:
        """Return the grant behind a bearer token, or None and why it is refused."""
        with self._lock:
            entry = self._access.get(access_token)
            if entry is None:
                return None, "Invalid access token"
            grant, expires = entry
            if not grant.alive or self.revoked:
                return None, "The authorization of this application was revoked"
            if time.time() >= expires:
                return None, "Access token expired"
            return grant, ""

    def revoke(self) -> None:
        """Revoke the app: every grant dies and the token endpoint refuses until ``restore``."""
        with self._lock:
            self.revoked = True
            for grant in self._grants.values():
                grant.alive = False
            self._codes.clear()

    def restore(self) -> None:
        with self._lock:
            self.revoked = False


def _token_params(req: Request) -> dict[str, str]:
    if req.content_type == "application/json":
        body = req.json()
        params = {k: str(v) for k, v in body.items() if v is not None} if isinstance(body, dict) else {}
    else:
        params = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
    auth = req.headers.get("authorization", "")
    if auth.lower().startswith("basic ") and "client_id" not in params:
        try:
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            return params
        params.update(client_id=client_id, client_secret=secret)
    return params


def _oauth_error(status: int, error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, status)


def _redirect(uri: str, params: dict[str, str]) -> Response:
    separator = "&" if urlsplit(uri).query else "?"
    return Response(302, b"", [("Location", f"{uri}{separator}{urlencode(params)}")])


def _page(status: int, title: str, body_html: str) -> Response:
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>'
        "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}"
        "main{max-width:32rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;"
        "box-shadow:0 1px 4px rgba(0,0,0,.1)}button{font-size:1rem;padding:.6rem 1.4rem;margin-right:.5rem;"
        "border-radius:6px;border:1px solid #888;cursor:pointer}button[value=accept]{background:#1e6fd9;"
        "color:#fff;border-color:#1e6fd9}code{font-size:.85rem}</style></head><body><main>"
        f"<h1>{html.escape(title)}</h1>{body_html}</main></body></html>"
    )
    return Response(status, page.encode(), [("Content-Type", "text/html; charset=utf-8")])


def _consent_page(params: dict[str, str], scope: str, company: str) -> Response:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k in ("client_id", "redirect_uri", "response_type", "state", "audience", "scope", "prompt")
    )
    scopes = "".join(f"<li><code>{html.escape(s)}</code></li>" for s in scope.split())
    body = (
        f"<p><strong>{html.escape(params['client_id'])}</strong> wants to access the Lever account of "
        f"<strong>{html.escape(company)}</strong> (sandbox).</p><p>Requested permissions:</p><ul>{scopes}</ul>"
        f'<form method="post" action="/oauth/authorize">{hidden}'
        '<button type="submit" name="decision" value="accept">Accept</button>'
        '<button type="submit" name="decision" value="deny">Deny</button></form>'
    )
    return _page(200, "Authorize application", body)

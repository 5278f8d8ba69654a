"""Where a Lever account lives: API base, OAuth endpoints, audience and web app (LEVER_API.md §1).

Production and sandbox never share hosts, token URLs or audiences (checklist §13 item 33), so one
frozen value carries all of them and a connection picks exactly one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LeverEnvironment:
    api_base: str
    authorize_url: str
    token_url: str
    audience: str
    web_app_url: str

    @classmethod
    def custom(cls, base_url: str) -> LeverEnvironment:
        """Return the environment of a Lever-protocol server at `base_url` (our sandbox, a proxy).

        It serves the API under `/v1` and OAuth under `/oauth/`. A base URL that already ends in
        `/v1` is accepted too, since that is what people copy from API docs.
        """
        base = base_url.strip().rstrip("/")
        if not base:
            raise ValueError("A custom Lever environment needs a base URL.")
        base = base.removesuffix("/v1")
        return cls(
            api_base=f"{base}/v1",
            authorize_url=f"{base}/oauth/authorize",
            token_url=f"{base}/oauth/token",
            audience=f"{base}/v1/",
            web_app_url=base,
        )


# Reference: LEVER_API.md §1 (hosts) and §2.2 (audience keeps its trailing slash, gotcha §11.16).
PRODUCTION = LeverEnvironment(
    api_base="https://api.lever.co/v1",
    authorize_url="https://auth.lever.co/authorize",
    token_url="https://auth.lever.co/oauth/token",
    audience="https://api.lever.co/v1/",
    web_app_url="https://hire.lever.co",
)

# The sandbox's auth server is an Auth0 tenant; there is no auth.sandbox.lever.co.
SANDBOX = LeverEnvironment(
    api_base="https://api.sandbox.lever.co/v1",
    authorize_url="https://sandbox-lever.auth0.com/authorize",
    token_url="https://sandbox-lever.auth0.com/oauth/token",
    audience="https://api.sandbox.lever.co/v1/",
    web_app_url="https://hire.sandbox.lever.co",
)


def environment_for(name: str, base_url: str = "") -> LeverEnvironment:
    """Return the environment named like `Connection.environment` (production, sandbox or custom)."""
    if name == "production":
        return PRODUCTION
    if name == "sandbox":
        return SANDBOX
    if name == "custom":
        return LeverEnvironment.custom(base_url)
    raise ValueError(f"Unknown Lever environment {name!r}.")

#!/usr/bin/env python3
"""OAuth interoperability check of a live DelayGate: independent OAuth 2.0 client libraries
(Authlib, requests-oauthlib) fetch client-credentials tokens from `POST /oauth/token` and call
`GET /v1/alerts` with them.

Checks:
- Authlib, client_secret_basic and client_secret_post: a token (RFC 6749 §5.1 answer,
  `Cache-Control: no-store`, RFC 9068 JWT) that `GET /v1/alerts` accepts (200, page shape).
- Authlib with a narrower `scope`: the token carries exactly that scope.
- requests-oauthlib's BackendApplicationClient, with HTTP Basic and with `include_client_id=True`.
- A token of the restricted client (`events:write` only) on `GET /v1/alerts`: 403 problem+json
  with `WWW-Authenticate: Bearer … error="insufficient_scope"`.
- A tampered or expired token: 401 with `error="invalid_token"`; no token: 401 with a Bearer
  challenge.
- When the gateway publishes ES256 keys: its token verifies against `/.well-known/jwks.json`
  (authlib.jose); with HS256 keys only, the JWKS is a 404 problem and the check is skipped.
- A wrong secret: 401 `invalid_client` with `WWW-Authenticate: Basic …` (Basic and form).
- RFC 8414 metadata names the token endpoint and both client authentication methods.

Usage:
  pip install 'authlib==1.*' 'requests-oauthlib==2.*'
  python3 scripts/oauth_interop.py --base-url http://127.0.0.1:8080 \
      --client-id reader --client-secret … \
      --restricted-client-id writer --restricted-client-secret …
Every option can come from the environment instead: DELAYGATE_BASE_URL, DELAYGATE_CLIENT_ID,
DELAYGATE_CLIENT_SECRET (a client with `alerts:read`), DELAYGATE_RESTRICTED_CLIENT_ID,
DELAYGATE_RESTRICTED_CLIENT_SECRET (a client with `events:write` and not `alerts:read`).
Exits 1 when any check fails.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import traceback
from typing import Any, Callable
from urllib.parse import urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from authlib.integrations.requests_client import OAuthError as AuthlibOAuthError
from authlib.jose import JsonWebKey, JsonWebToken
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session as RequestsOAuthSession

TIMEOUT = 10
ALERT_REQUIRED = ("id", "episode_id", "level", "scenario", "state", "reason", "details", "raised_at")


class CheckFailed(Exception):
    pass


class CheckSkipped(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def describe(response: requests.Response) -> str:
    headers = ", ".join(f"{k}: {v}" for k, v in response.headers.items())
    return f"{response.request.method} {response.url} -> {response.status_code} [{headers}] {response.text[:300]!r}"


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a JWS compact token (not verified: the key is the gateway's)."""
    pieces = token.split(".")
    expect(len(pieces) == 3, f"the access token is not a JWS compact serialization: {token[:40]}…")

    def decode(part: str) -> dict[str, Any]:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    return decode(pieces[0]), decode(pieces[1])


class Interop:
    def __init__(self, args: argparse.Namespace) -> None:
        self.base = args.base_url.rstrip("/")
        self.token_url = self.base + "/oauth/token"
        self.alerts_url = self.base + "/v1/alerts"
        self.client_id = args.client_id
        self.client_secret = args.client_secret
        self.restricted_id = args.restricted_client_id
        self.restricted_secret = args.restricted_client_secret
        self.results: list[tuple[str, str | None]] = []
        self.skipped: list[tuple[str, str]] = []
        #: The last raw token response Authlib saw (a compliance hook records it).
        self.last_token_response: requests.Response | None = None

    # --- helpers ------------------------------------------------------------------------

    def run(self, name: str, check: Callable[[], None]) -> None:
        try:
            check()
        except CheckSkipped as reason:
            self.skipped.append((name, str(reason)))
        except CheckFailed as failure:
            self.results.append((name, str(failure)))
        except Exception as error:  # a library error is a failed check, with its story
            detail = "".join(traceback.format_exception_only(type(error), error)).strip()
            self.results.append((name, f"unexpected {detail}"))
        else:
            self.results.append((name, None))

    def authlib_session(self, method: str, client_id: str, secret: str, scope: str | None = None) -> AuthlibSession:
        session = AuthlibSession(
            client_id=client_id, client_secret=secret, token_endpoint_auth_method=method, scope=scope
        )

        def record(response: requests.Response) -> requests.Response:
            self.last_token_response = response
            return response

        session.register_compliance_hook("access_token_response", record)
        return session

    def check_token_response(self, token: dict[str, Any], requested_scope: str | None = None) -> None:
        response = self.last_token_response
        expect(response is not None, "no token response was recorded")
        assert response is not None
        expect(response.status_code == 200, f"token endpoint: {describe(response)}")
        expect(
            response.headers.get("Content-Type", "").split(";")[0].strip() == "application/json",
            f"token response Content-Type is {response.headers.get('Content-Type')!r}",
        )
        expect(
            "no-store" in response.headers.get("Cache-Control", ""),
            f"token response lacks Cache-Control: no-store: {describe(response)}",
        )
        expect(token.get("token_type", "").lower() == "bearer", f"token_type is {token.get('token_type')!r}")
        expect(isinstance(token.get("expires_in"), int) and token["expires_in"] > 0, f"expires_in: {token!r}")
        expect(isinstance(token.get("scope"), str), f"scope missing from the token response: {token!r}")
        if requested_scope is not None:
            expect(
                set(token["scope"].split()) == set(requested_scope.split()),
                f"asked for scope {requested_scope!r}, granted {token['scope']!r}",
            )
        header, claims = jwt_parts(token["access_token"])
        expect(header.get("typ", "").lower() in ("at+jwt", "application/at+jwt"), f"JWT typ is {header.get('typ')!r}")
        for claim in ("iss", "sub", "aud", "exp", "iat", "jti", "client_id"):
            expect(claim in claims, f"the access token has no {claim!r} claim: {claims!r}")
        expect(claims["client_id"] == self.client_id or claims["client_id"] == self.restricted_id, f"client_id claim {claims['client_id']!r}")
        expect(claims["exp"] - claims["iat"] == token["expires_in"], f"exp - iat != expires_in: {claims!r} {token!r}")
        expect(claims.get("scope") == token["scope"], f"scope claim {claims.get('scope')!r} != {token['scope']!r}")

    def check_alerts_page(self, response: requests.Response) -> None:
        expect(response.status_code == 200, f"GET /v1/alerts: {describe(response)}")
        expect(
            response.headers.get("Content-Type", "").split(";")[0].strip() == "application/json",
            f"GET /v1/alerts Content-Type: {describe(response)}",
        )
        page = response.json()
        expect(isinstance(page, dict), f"GET /v1/alerts body is not an object: {page!r}")
        expect(isinstance(page.get("alerts"), list), f"GET /v1/alerts has no alerts array: {page!r}")
        expect("next_cursor" in page, f"GET /v1/alerts has no next_cursor: {page!r}")
        expect(page["next_cursor"] is None or isinstance(page["next_cursor"], str), f"next_cursor: {page!r}")
        for alert in page["alerts"]:
            missing = [key for key in ALERT_REQUIRED if key not in alert]
            expect(not missing, f"alert without {missing}: {alert!r}")
            expect(isinstance(alert["reason"], dict) and {"zh", "en"} <= set(alert["reason"]), f"reason: {alert!r}")
            expect(isinstance(alert["details"], dict), f"details is not an object: {alert!r}")

    def expect_bearer_refusal(self, response: requests.Response, status: int, error: str | None) -> None:
        expect(response.status_code == status, f"expected {status}: {describe(response)}")
        challenge = response.headers.get("WWW-Authenticate", "")
        expect(challenge.lower().startswith("bearer"), f"WWW-Authenticate is not a Bearer challenge: {describe(response)}")
        expect('realm="' in challenge, f"WWW-Authenticate names no realm: {challenge!r}")
        if error is not None:
            expect(f'error="{error}"' in challenge, f"WWW-Authenticate lacks error=\"{error}\": {challenge!r}")
        expect(
            response.headers.get("Content-Type", "").split(";")[0].strip() == "application/problem+json",
            f"refusal is not problem+json: {describe(response)}",
        )
        problem = response.json()
        expect(problem.get("status") == status, f"problem status: {problem!r}")
        expect(str(problem.get("type", "")).startswith("urn:delaygate:problem:"), f"problem type: {problem!r}")

    # --- checks -------------------------------------------------------------------------

    def authlib_basic(self) -> None:
        session = self.authlib_session("client_secret_basic", self.client_id, self.client_secret)
        token = session.fetch_token(self.token_url, grant_type="client_credentials", timeout=TIMEOUT)
        expect(
            (self.last_token_response.request.headers.get("Authorization") or "").startswith("Basic "),
            "Authlib did not authenticate with HTTP Basic",
        )
        self.check_token_response(token)
        self.check_alerts_page(session.get(self.alerts_url, timeout=TIMEOUT))

    def authlib_post(self) -> None:
        session = self.authlib_session("client_secret_post", self.client_id, self.client_secret)
        token = session.fetch_token(self.token_url, grant_type="client_credentials", timeout=TIMEOUT)
        request = self.last_token_response.request
        expect("Authorization" not in request.headers, "client_secret_post sent an Authorization header")
        expect("client_secret=" in (request.body or ""), "client_secret_post did not send the secret in the form")
        self.check_token_response(token)
        self.check_alerts_page(session.get(self.alerts_url, params={"limit": 5}, timeout=TIMEOUT))

    def authlib_scope(self) -> None:
        session = self.authlib_session("client_secret_basic", self.client_id, self.client_secret, scope="alerts:read")
        token = session.fetch_token(self.token_url, grant_type="client_credentials", timeout=TIMEOUT)
        self.check_token_response(token, requested_scope="alerts:read")
        self.check_alerts_page(session.get(self.alerts_url, timeout=TIMEOUT))

    def authlib_invalid_scope(self) -> None:
        session = self.authlib_session("client_secret_basic", self.restricted_id, self.restricted_secret, scope="admin")
        try:
            session.fetch_token(self.token_url, grant_type="client_credentials", timeout=TIMEOUT)
        except AuthlibOAuthError as error:
            expect(error.error == "invalid_scope", f"expected invalid_scope, got {error.error!r}")
            expect(self.last_token_response.status_code == 400, f"invalid_scope: {describe(self.last_token_response)}")
        else:
            raise CheckFailed("a client without 'admin' was granted scope 'admin'")

    def requests_oauthlib_basic(self) -> None:
        session = RequestsOAuthSession(client=BackendApplicationClient(client_id=self.client_id))
        token = session.fetch_token(
            token_url=self.token_url, client_id=self.client_id, client_secret=self.client_secret, timeout=TIMEOUT
        )
        expect(token.get("token_type", "").lower() == "bearer", f"token: {token!r}")
        self.check_alerts_page(session.get(self.alerts_url, timeout=TIMEOUT))

    def requests_oauthlib_post(self) -> None:
        session = RequestsOAuthSession(client=BackendApplicationClient(client_id=self.client_id))
        token = session.fetch_token(
            token_url=self.token_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            include_client_id=True,
            timeout=TIMEOUT,
        )
        expect(token.get("token_type", "").lower() == "bearer", f"token: {token!r}")
        expect(isinstance(token.get("expires_in"), int), f"expires_in: {token!r}")
        self.check_alerts_page(session.get(self.alerts_url, timeout=TIMEOUT))

    def insufficient_scope(self) -> None:
        session = self.authlib_session("client_secret_basic", self.restricted_id, self.restricted_secret)
        token = session.fetch_token(self.token_url, grant_type="client_credentials", timeout=TIMEOUT)
        expect("alerts:read" not in token.get("scope", "").split(), f"the restricted client has alerts:read: {token!r}")
        expect("events:write" in token.get("scope", "").split(), f"the restricted client lacks events:write: {token!r}")
        response = session.get(self.alerts_url, timeout=TIMEOUT)
        self.expect_bearer_refusal(response, 403, "insufficient_scope")
        challenge = response.headers["WWW-Authenticate"]
        expect('scope="alerts:read"' in challenge, f"WWW-Authenticate does not name the scope: {challenge!r}")
        problem = response.json()
        expect(problem.get("type") == "urn:delaygate:problem:insufficient-scope", f"problem: {problem!r}")

    def invalid_token(self) -> None:
        session = self.authlib_session("client_secret_basic", self.client_id, self.client_secret)
        token = session.fetch_token(self.token_url, grant_type="client_credentials", timeout=TIMEOUT)
        header, claims, signature = token["access_token"].split(".")
        flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
        response = requests.get(
            self.alerts_url, headers={"Authorization": f"Bearer {header}.{claims}.{flipped}"}, timeout=TIMEOUT
        )
        self.expect_bearer_refusal(response, 401, "invalid_token")
        expired = dict(jwt_parts(token["access_token"])[1], exp=1)
        forged = base64.urlsafe_b64encode(json.dumps(expired).encode()).decode().rstrip("=")
        response = requests.get(
            self.alerts_url, headers={"Authorization": f"Bearer {header}.{forged}.{signature}"}, timeout=TIMEOUT
        )
        self.expect_bearer_refusal(response, 401, "invalid_token")
        # Without any credentials RFC 6750 §3.1 says the challenge SHOULD NOT carry an error code,
        # so only the status and the Bearer challenge are required here.
        self.expect_bearer_refusal(requests.get(self.alerts_url, timeout=TIMEOUT), 401, None)

    def wrong_secret(self) -> None:
        for method in ("client_secret_basic", "client_secret_post"):
            session = self.authlib_session(method, self.client_id, self.client_secret + "-wrong")
            try:
                session.fetch_token(self.token_url, grant_type="client_credentials", timeout=TIMEOUT)
            except AuthlibOAuthError as error:
                expect(error.error == "invalid_client", f"{method}: expected invalid_client, got {error.error!r}")
            else:
                raise CheckFailed(f"{method}: a wrong secret was accepted")
            response = self.last_token_response
            expect(response.status_code == 401, f"{method}: {describe(response)}")
            expect(
                response.headers.get("WWW-Authenticate", "").lower().startswith("basic"),
                f"{method}: 401 without a Basic challenge: {describe(response)}",
            )
            expect("no-store" in response.headers.get("Cache-Control", ""), f"{method}: {describe(response)}")

    def jwks_signature(self) -> None:
        response = requests.get(self.base + "/.well-known/jwks.json", timeout=TIMEOUT)
        if response.status_code == 404:
            expect(
                response.headers.get("Content-Type", "").split(";")[0].strip() == "application/problem+json",
                f"jwks 404 is not problem+json: {describe(response)}",
            )
            raise CheckSkipped("no public keys (HS256 signing key)")
        expect(response.status_code == 200, describe(response))
        key_set = JsonWebKey.import_key_set(response.json())
        session = self.authlib_session("client_secret_basic", self.client_id, self.client_secret)
        token = session.fetch_token(self.token_url, grant_type="client_credentials", timeout=TIMEOUT)
        header, _ = jwt_parts(token["access_token"])
        expect(header.get("alg") == "ES256", f"a gateway with public keys signed with {header.get('alg')!r}")
        claims = JsonWebToken(["ES256"]).decode(token["access_token"], key_set)
        claims.validate(leeway=5)
        expect(claims["client_id"] == self.client_id, f"claims: {dict(claims)!r}")
        metadata = requests.get(self.base + "/.well-known/oauth-authorization-server", timeout=TIMEOUT).json()
        expect(metadata.get("jwks_uri", "").endswith("/.well-known/jwks.json"), f"metadata without jwks_uri: {metadata!r}")

    def metadata(self) -> None:
        response = requests.get(self.base + "/.well-known/oauth-authorization-server", timeout=TIMEOUT)
        expect(response.status_code == 200, describe(response))
        document = response.json()
        expect(document.get("token_endpoint", "").endswith("/oauth/token"), f"token_endpoint: {document!r}")
        expect(
            {"client_secret_basic", "client_secret_post"} <= set(document.get("token_endpoint_auth_methods_supported", [])),
            f"token_endpoint_auth_methods_supported: {document!r}",
        )
        expect("client_credentials" in document.get("grant_types_supported", []), f"grant_types_supported: {document!r}")
        expect(
            {"events:write", "orders:write", "alerts:read", "admin"} <= set(document.get("scopes_supported", [])),
            f"scopes_supported: {document!r}",
        )
        # When the issuer is this base URL (DELAYGATE_ISSUER), the advertised endpoint must work.
        if document.get("issuer", "").rstrip("/") == self.base:
            expect(document["token_endpoint"] == self.token_url, f"token_endpoint: {document!r}")

    def main(self) -> int:
        self.run("metadata (RFC 8414)", self.metadata)
        self.run("authlib client_secret_basic -> GET /v1/alerts", self.authlib_basic)
        self.run("authlib client_secret_post -> GET /v1/alerts", self.authlib_post)
        self.run("authlib scope=alerts:read", self.authlib_scope)
        self.run("authlib scope not allowed -> 400 invalid_scope", self.authlib_invalid_scope)
        self.run("requests-oauthlib BackendApplicationClient (Basic)", self.requests_oauthlib_basic)
        self.run("requests-oauthlib BackendApplicationClient (include_client_id)", self.requests_oauthlib_post)
        self.run("events:write token on /v1/alerts -> 403 insufficient_scope", self.insufficient_scope)
        self.run("tampered, expired and missing token -> 401", self.invalid_token)
        self.run("wrong secret -> 401 invalid_client", self.wrong_secret)
        self.run("ES256 token verified with the JWKS (authlib.jose)", self.jwks_signature)
        failed = [(name, reason) for name, reason in self.results if reason is not None]
        for name, reason in self.results:
            print(f"{'ok  ' if reason is None else 'FAIL'} {name}" + ("" if reason is None else f"\n     {reason}"))
        for name, reason in self.skipped:
            print(f"skip {name}: {reason}")
        summary = f"{len(self.results) - len(failed)} passed, {len(failed)} failed"
        print(f"oauth_interop: {summary}" + (f", {len(self.skipped)} skipped" if self.skipped else ""))
        return 1 if failed else 0


def parse_arguments() -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default=env("DELAYGATE_BASE_URL"), help="e.g. http://127.0.0.1:8080")
    parser.add_argument("--client-id", default=env("DELAYGATE_CLIENT_ID"), help="a client with alerts:read")
    parser.add_argument("--client-secret", default=env("DELAYGATE_CLIENT_SECRET"))
    parser.add_argument(
        "--restricted-client-id", default=env("DELAYGATE_RESTRICTED_CLIENT_ID"), help="a client with only events:write"
    )
    parser.add_argument("--restricted-client-secret", default=env("DELAYGATE_RESTRICTED_CLIENT_SECRET"))
    args = parser.parse_args()
    if args.base_url and urlsplit(args.base_url).scheme == "http":
        # oauthlib refuses plain HTTP unless told otherwise; this check runs against a local gateway.
        os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
    missing = [name for name, value in vars(args).items() if not value]
    if missing:
        parser.error("missing " + ", ".join("--" + name.replace("_", "-") for name in missing) + " (or their DELAYGATE_* variables)")
    return args


if __name__ == "__main__":
    sys.exit(Interop(parse_arguments()).main())

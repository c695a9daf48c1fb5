"""A tiny OpenID Connect provider on 127.0.0.1 for the sign-in journey: discovery document,
authorization endpoint (signs the configured user in at once and redirects back with a code),
token endpoint (an RS256 id_token carrying the nonce and the user's claims) and JWKS. Enough for
Streamlit's st.login (Authlib) to run its real code path: metadata, redirect, state, code
exchange, signature, issuer, audience and nonce checks. Test use only: no user interface, one user.
"""
from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID, CLIENT_SECRET = "carbonwatch", "stub-client-secret"


class StubProvider:
    def __init__(self, claims: dict):
        self.claims = dict(claims)
        self._key = RSAKey.generate_key(2048, parameters={"kid": "stub-1", "use": "sig", "alg": "RS256"})
        self.jwks = {"keys": [self._key.as_dict(private=False)]}
        self._codes: dict[str, str] = {}  # code -> nonce
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.requests: list[str] = []

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/.well-known/openid-configuration"

    def __enter__(self) -> "StubProvider":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims = {"iss": self.base, "aud": CLIENT_ID, "iat": now, "exp": now + 600, **self.claims}
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode({"alg": "RS256", "kid": "stub-1"}, claims, self._key)

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _json(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                provider.requests.append(url.path)
                if url.path == "/.well-known/openid-configuration":
                    b = provider.base
                    return self._json({"issuer": b, "authorization_endpoint": f"{b}/authorize",
                                       "token_endpoint": f"{b}/token", "jwks_uri": f"{b}/jwks",
                                       "response_types_supported": ["code"], "subject_types_supported": ["public"],
                                       "id_token_signing_alg_values_supported": ["RS256"],
                                       "scopes_supported": ["openid", "email", "profile"]})
                if url.path == "/jwks":
                    return self._json(provider.jwks)
                if url.path == "/authorize":
                    q = {k: v[0] for k, v in parse_qs(url.query).items()}
                    code = secrets.token_urlsafe(16)
                    provider._codes[code] = q.get("nonce", "")
                    self.send_response(302)
                    self.send_header("Location", f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}")
                    self.end_headers()
                    return None
                return self._json({"error": "not_found"}, 404)

            def do_POST(self):
                url = urlsplit(self.path)
                provider.requests.append(url.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if url.path != "/token" or form.get("code") not in provider._codes:
                    return self._json({"error": "invalid_grant"}, 400)
                nonce = provider._codes.pop(form["code"])
                return self._json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                                   "expires_in": 600, "id_token": provider._id_token(nonce)})

        return Handler

"""A real HTTP server on 127.0.0.1 that answers like AI providers do.

Routes are ``/<provider>/<probe path>``; a test points a key's base URL at
``http://127.0.0.1:PORT/<provider>``. Each provider's credential travels as the real one
does, and valid / invalid / missing keys get that provider's real status and error body
(from providers.md). ``modes`` switch a provider into a failure behaviour.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# provider -> (header carrying the key, scheme prefix)
AUTH = {
    "openai": ("Authorization", "Bearer "),
    "anthropic": ("x-api-key", ""),
    "google": ("x-goog-api-key", ""),
    "deepseek": ("Authorization", "Bearer "),
    "elevenlabs": ("xi-api-key", ""),
    "xai": ("Authorization", "Bearer "),
    "pinecone": ("Api-Key", ""),
    "cohere": ("Authorization", "Bearer "),
    "openrouter": ("Authorization", "Bearer "),
    "huggingface": ("Authorization", "Bearer "),
    "deepgram": ("Authorization", "Token "),
    "mistral": ("Authorization", "Bearer "),
    "azure": ("api-key", ""),
}

Reply = tuple[int, dict[str, str], Any]


def _masked(key: str) -> str:
    return key[:3] + "*" * 8 + key[-4:]


# How a hostile or careless provider may echo the key it was sent (item 9 of Security round 2).
ENCODED_ECHOES = {
    "base64": lambda key: base64.b64encode(key.encode()).decode(),
    "base64url": lambda key: base64.urlsafe_b64encode(key.encode()).decode().rstrip("="),
    "basic": lambda key: "Basic " + base64.b64encode(f"api:{key}".encode()).decode(),
    "url": lambda key: "".join(f"%{b:02X}" for b in key.encode()),
    "hex": lambda key: key.encode().hex(),
    "HEX": lambda key: key.encode().hex().upper(),
    "lower": lambda key: key.lower(),
}


def echoed(key: str, echo: str) -> str:
    if echo in ENCODED_ECHOES:
        return ENCODED_ECHOES[echo](key)
    return key if echo == "full" else key[:20] if echo == "part" else _masked(key)


def valid_answer(provider: str) -> Reply:
    return {
        "google": (200, {}, {"models": []}),
        "deepseek": (402, {}, {"error": {"message": "Insufficient Balance", "type": "unknown_error"}}),
        "elevenlabs": (401, {}, {"detail": {"status": "missing_permissions",
                                            "message": "The API key is missing the permission user_read"}}),
        "xai": (200, {}, {"api_key_id": "k1", "acls": ["api-key:model:*"], "api_key_blocked": False,
                          "api_key_disabled": False, "team_blocked": False}),
        "pinecone": (403, {}, {"error": {"code": "FORBIDDEN", "message": "role lacks ControlPlane"}}),
        "cohere": (200, {}, {"valid": True, "organization_id": "org", "owner_id": "own"}),
        "openrouter": (200, {}, {"data": {"label": "sk-or-v1-abc...xyz", "limit": 10.0, "expires_at": None,
                                          "is_management_key": False, "is_provisioning_key": False}}),
        "huggingface": (200, {}, {"name": "ci", "auth": {"accessToken": {"displayName": "ci", "role": "read"}}}),
    }.get(provider, (200, {}, {"object": "list", "data": []}))


def invalid_answer(provider: str, key: str, echo: str) -> Reply:
    shown = echoed(key, echo)
    return {
        "anthropic": (401, {}, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}),
        "google": (400, {}, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                                       "status": "INVALID_ARGUMENT",
                                       "details": [{"reason": "API_KEY_INVALID", "domain": "googleapis.com"}]}}),
        "xai": (400, {}, f"Incorrect API key provided: {shown}. You can obtain an API key from https://console.x.ai."),
        "elevenlabs": (401, {}, {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}),
        "cohere": (401, {}, {"message": "invalid api token"}),
        "deepseek": (401, {}, {"error": {"message": f"Authentication Fails, Your api key: {shown} is invalid",
                                         "type": "authentication_error", "code": "invalid_request_error"}}),
        "openrouter": (401, {}, {"error": {"message": "User not found.", "code": 401}}),
    }.get(provider, (401, {}, {"error": {"message": f"Incorrect API key provided: {shown}.",
                                         "type": "invalid_request_error", "code": "invalid_api_key"}}))


def missing_answer(provider: str) -> Reply:
    if provider == "google":
        return 403, {}, {"error": {"code": 403, "message": "Method doesn't allow unregistered callers",
                                   "status": "PERMISSION_DENIED"}}
    return 401, {}, {"error": {"message": "You didn't provide an API key.", "code": None}}


@dataclass
class FakeProviders:
    port: int = 0
    valid_keys: set[str] = field(default_factory=set)
    modes: dict[str, str] = field(default_factory=dict)  # provider -> mode
    echo: str = "masked"  # how invalid-key bodies echo the key: masked | part | full | ENCODED_ECHOES
    say: str = ""  # text every error answer also carries (e.g. some other key a provider leaks)
    hits: list[tuple[str, str, str | None]] = field(default_factory=list)  # (method, path, credential)
    counters: dict[str, int] = field(default_factory=dict)
    redirect_to: str = ""  # "{key}" becomes the credential the request carried
    delay: float = 1.0
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def base(self, provider: str) -> str:
        return f"{self.url}/{provider}"

    def answer(self, method: str, path: str, headers: Any, body: bytes) -> Reply | str:
        provider = path.strip("/").split("/", 1)[0]
        header, scheme = AUTH.get(provider, ("Authorization", "Bearer "))
        raw = headers.get(header)
        credential = raw[len(scheme):] if raw and raw.startswith(scheme) else raw
        self.hits.append((method, path, credential))
        mode = self.modes.get(provider, "normal")
        count = self.counters[provider] = self.counters.get(provider, 0) + 1
        if mode == "429-then-ok" and count <= 1:
            return 429, {"Retry-After": "0"}, {"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}
        if mode == "429":
            return 429, {"Retry-After": "0"}, {"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}
        if mode == "429-long":
            return 429, {"Retry-After": "3600"}, {"error": {"message": "Rate limit reached"}}
        if mode == "500":
            return 500, {}, {"error": {"message": "The server had an error", "type": "server_error"}}
        if mode in ("slow", "reset", "trickle", "cut"):
            return mode
        if mode == "redirect":
            return 302, {"Location": self.redirect_to.replace("{key}", credential or "")}, ""
        if mode == "open":
            return 200, {}, {"object": "list", "data": []}
        if credential is None:
            return missing_answer(provider)
        if mode == "no-db" and credential not in self.valid_keys:
            # LiteLLM's proxy with a master key and no database answers a wrong key like this.
            return 400, {}, {"error": {"message": "No connected db.", "type": "no_db_connection", "code": "400"}}
        if credential in self.valid_keys and mode != "revoked" or mode == "bypass":
            if provider == "xai" and mode == "blocked":
                return 200, {}, {"api_key_blocked": True, "api_key_disabled": False, "team_blocked": False}
            return valid_answer(provider)
        return invalid_answer(provider, credential, self.echo)


def _handler(fake: FakeProviders) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            reply = fake.answer(self.command, self.path.split("?", 1)[0], self.headers, body)
            if fake.say and isinstance(reply, tuple) and reply[0] >= 300:
                status, headers, payload = reply
                if isinstance(payload, dict):
                    payload = {**payload, "error": {"message": fake.say, "code": fake.say}, "detail": fake.say}
                reply = status, headers, payload if isinstance(payload, dict) else f"{payload} {fake.say}"
            if fake.modes.get(self.path.strip("/").split("/", 1)[0]) == "echo-url":
                reply = 404, {}, f"No route for {self.command} {self.path}"
            if reply == "slow":
                time.sleep(fake.delay)
                reply = valid_answer("openai")
                self.close_connection = True
            if reply in ("trickle", "cut"):
                # 200 and a promise of 100 bytes, then one byte at a time, or 10 and a reset.
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "100")
                    self.end_headers()
                    for _ in range(100 if reply == "trickle" else 10):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        if reply == "trickle":
                            time.sleep(0.05)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                reply = "reset"
            if reply == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                return
            assert not isinstance(reply, str)
            status, headers, payload = reply
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if isinstance(payload, str) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a timeout test)

        do_GET = do_POST = _serve

    return Handler


@contextmanager
def serve(host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Iterator[FakeProviders]:
    """The fake on a free loopback port; with ``tls`` (a server context) it speaks HTTPS."""
    fake = FakeProviders()
    server = ThreadingHTTPServer((host, 0), _handler(fake))
    server.daemon_threads = True
    fake.port = server.server_address[1]
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        fake.scheme = "https"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    """A loopback port nothing listens on (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

"""Webhooks against a real local HTTP server: signature, retries with backoff, never raising."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from finscribe.core import webhooks

FAST = webhooks.WebhookPolicy(attempts=4, backoff_s=0.01, timeout_s=2.0)


class Receiver:
    """A real HTTP server on loopback answering with a scripted list of status codes."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.requests.append((dict(self.headers.items()), body))
                index = len(receiver.requests) - 1
                status = receiver.statuses[min(index, len(receiver.statuses) - 1)]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory() -> Iterator[Any]:
    made: list[Receiver] = []

    def make(statuses: list[int]) -> Receiver:
        r = Receiver(statuses)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


async def test_delivers_signed_body(receiver_factory: Any) -> None:
    receiver = receiver_factory([200])
    payload = {"event": "job.finished", "job_id": "abc", "status": "completed"}
    ok = await webhooks.deliver(receiver.url, payload, "tenant-secret", policy=FAST)
    assert ok
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert json.loads(body) == payload
    assert webhooks.verify(body, "tenant-secret", headers[webhooks.SIGNATURE_HEADER])
    assert not webhooks.verify(body, "other-secret", headers[webhooks.SIGNATURE_HEADER])
    assert headers[webhooks.EVENT_HEADER] == "job.finished"


async def test_retries_server_errors_then_succeeds(receiver_factory: Any) -> None:
    receiver = receiver_factory([500, 503, 200])
    ok = await webhooks.deliver(receiver.url, {"job_id": "x"}, "s", policy=FAST)
    assert ok
    assert len(receiver.requests) == 3
    bodies = {body for _, body in receiver.requests}
    assert len(bodies) == 1, "every retry sends the same signed body"


async def test_gives_up_without_raising(receiver_factory: Any) -> None:
    receiver = receiver_factory([500])
    ok = await webhooks.deliver(receiver.url, {"job_id": "x"}, "s", policy=FAST)
    assert not ok
    assert len(receiver.requests) == FAST.attempts


async def test_client_error_is_not_retried(receiver_factory: Any) -> None:
    receiver = receiver_factory([404])
    assert not await webhooks.deliver(receiver.url, {"job_id": "x"}, "s", policy=FAST)
    assert len(receiver.requests) == 1


async def test_unreachable_host_returns_false() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ok = await webhooks.deliver(f"http://127.0.0.1:{port}/", {"job_id": "x"}, "s", policy=FAST)
    assert not ok


def test_callback_url_validation() -> None:
    assert webhooks.is_valid_callback_url("https://example.com/hook")
    assert webhooks.is_valid_callback_url("http://127.0.0.1:8080/x")
    assert not webhooks.is_valid_callback_url("file:///etc/passwd")
    assert not webhooks.is_valid_callback_url("not a url")
    assert not webhooks.is_valid_callback_url("http:///nohost")

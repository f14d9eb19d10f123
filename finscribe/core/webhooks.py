"""Job-finished webhooks: a signed JSON summary POSTed to the job's callback URL, with retries."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from finscribe import logs, metrics

SIGNATURE_HEADER: Final = "X-FinScribe-Signature"
EVENT_HEADER: Final = "X-FinScribe-Event"
DELIVERY_HEADER: Final = "X-FinScribe-Delivery"

log = logs.get_logger(__name__)


@dataclass(frozen=True)
class WebhookPolicy:
    """How hard to try: attempts, the first backoff (doubled each time) and a per-try timeout."""

    attempts: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    timeout_s: float = 10.0


def sign(body: bytes, secret: str) -> str:
    """The signature header value: ``sha256=<hex HMAC-SHA256 of the body with the secret>``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(body: bytes, secret: str, header_value: str) -> bool:
    """True when ``header_value`` is the signature of ``body`` with ``secret`` (constant time)."""
    return hmac.compare_digest(sign(body, secret), header_value)


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes that are signed and sent (compact, sorted keys)."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()


def is_valid_callback_url(url: str) -> bool:
    """Only absolute http(s) URLs with a host are accepted as callbacks."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and len(url) <= 2048


async def deliver(
    url: str,
    payload: Mapping[str, Any],
    secret: str,
    *,
    policy: WebhookPolicy | None = None,
    delivery_id: str = "",
    client: httpx.AsyncClient | None = None,
) -> bool:
    """POST ``payload`` to ``url``, signed; retry on errors and 5xx/429 with backoff.

    Returns whether a 2xx answer came back. Never raises for delivery problems: a failed
    webhook must not fail the job that triggered it.
    """
    policy = policy or WebhookPolicy()
    body = encode_payload(payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "FinScribe-Webhook/1",
        SIGNATURE_HEADER: sign(body, secret),
        EVENT_HEADER: str(payload.get("event", "job.finished")),
        DELIVERY_HEADER: delivery_id,
    }
    own_client = client is None
    http = client or httpx.AsyncClient(timeout=policy.timeout_s, follow_redirects=False)
    delay = policy.backoff_s
    try:
        for attempt in range(1, policy.attempts + 1):
            metrics.WEBHOOK_ATTEMPTS.inc()
            retry = True
            try:
                response = await http.post(url, content=body, headers=headers)
                if 200 <= response.status_code < 300:
                    metrics.WEBHOOK_DELIVERIES.labels(outcome="delivered").inc()
                    log.info("webhook delivered", attempt=attempt, status=response.status_code)
                    return True
                # Other 4xx answers will not change on a retry.
                retry = response.status_code >= 500 or response.status_code in {408, 429}
                log.warning("webhook refused", attempt=attempt, status=response.status_code)
            except httpx.HTTPError as exc:
                log.warning("webhook attempt failed", attempt=attempt, error=type(exc).__name__)
            if not retry or attempt == policy.attempts:
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, policy.max_backoff_s)
    finally:
        if own_client:
            await http.aclose()
    metrics.WEBHOOK_DELIVERIES.labels(outcome="failed").inc()
    return False

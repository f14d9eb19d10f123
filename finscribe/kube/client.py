"""A small async Kubernetes API client (aiohttp) for DocumentJobs and Leases.

The API uses it in `kubernetes` submit mode (create/get DocumentJobs); the operator uses it for
its leader-election Lease and for deleting finished DocumentJobs. Failures are typed:
KubernetesUnavailableError (connection, timeouts, 5xx: retry), DocumentJobNotFoundError /
NotFoundError (404), ConflictError (409, and 422 from a failed JSON-patch test),
KubernetesApiError (other refusals: RBAC, validation).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import aiohttp

from finscribe.errors import (
    ConflictError,
    DocumentJobNotFoundError,
    KubernetesApiError,
    KubernetesUnavailableError,
    NotFoundError,
)
from finscribe.kube import resources
from finscribe.kube.config import KubeConfig

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"


def _message(body: Any, status: int) -> str:
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])[:500]
    return f"HTTP {status}"


class KubeClient:
    """Requests to one API server. Use as `async with KubeClient(config) as kube:`."""

    def __init__(self, config: KubeConfig, *, timeout_s: float = 30.0) -> None:
        self.config = config
        self.timeout = aiohttp.ClientTimeout(total=timeout_s, connect=min(10.0, timeout_s))
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(ssl=self.config.ssl_context())
            self._session = aiohttp.ClientSession(connector=connector, timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        content_type: str = "application/json",
        not_found: type[NotFoundError] = NotFoundError,
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        token = self.config.bearer_token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            headers["Content-Type"] = content_type
        url = f"{self.config.server}{path}"
        try:
            async with self._http().request(
                method, url, json=body, params=params, headers=headers
            ) as response:
                try:
                    payload: Any = await response.json(content_type=None)
                except ValueError:
                    payload = None
                status = response.status
        except (TimeoutError, aiohttp.ClientError, OSError) as err:
            raise KubernetesUnavailableError(
                f"Kubernetes API unreachable: {type(err).__name__}"
            ) from err
        if status < 300:
            return payload if isinstance(payload, dict) else {}
        message = _message(payload, status)
        if status == 404:
            raise not_found(message)
        if status == 409 or (status == 422 and content_type == JSON_PATCH):
            raise ConflictError(message)
        if status >= 500 or status == 429:
            raise KubernetesUnavailableError(message)
        raise KubernetesApiError(f"Kubernetes API refused {method} {path}: {message}")


class DocumentJobClient:
    """Create, read and delete DocumentJobs (what the API needs in `kubernetes` submit mode)."""

    def __init__(self, kube: KubeClient) -> None:
        self.kube = kube

    async def create_document_job(
        self,
        namespace: str,
        name: str | None,
        spec: dict[str, Any],
        *,
        labels: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None,
        generate_name: str | None = None,
    ) -> dict[str, Any]:
        """Create a DocumentJob and return it as stored (with metadata.uid).
        `name=None` with `generate_name="upload-"` lets the server choose a unique name.
        ConflictError if the name is taken."""
        metadata: dict[str, Any] = {"namespace": namespace}
        if name:
            metadata["name"] = name
        elif generate_name:
            metadata["generateName"] = generate_name
        else:
            raise ValueError("a DocumentJob needs a name or a generate_name")
        if labels:
            metadata["labels"] = dict(labels)
        if annotations:
            metadata["annotations"] = dict(annotations)
        body = {
            "apiVersion": resources.API_VERSION,
            "kind": resources.KIND,
            "metadata": metadata,
            "spec": spec,
        }
        return await self.kube.request("POST", resources.collection_path(namespace), body=body)

    async def get_document_job(self, namespace: str, name: str) -> dict[str, Any]:
        """The DocumentJob; DocumentJobNotFoundError if there is none."""
        return await self.kube.request(
            "GET",
            resources.object_path(namespace, name),
            not_found=DocumentJobNotFoundError,
        )

    async def list_document_jobs(
        self, namespace: str | None, *, label_selector: str | None = None
    ) -> list[dict[str, Any]]:
        params = {"labelSelector": label_selector} if label_selector else None
        body = await self.kube.request("GET", resources.collection_path(namespace), params=params)
        return list(body.get("items") or [])

    async def delete_document_job(self, namespace: str, name: str) -> bool:
        """Delete it (the operator's finalizer then cleans up). False if it was already gone."""
        try:
            await self.kube.request(
                "DELETE",
                resources.object_path(namespace, name),
                body={"propagationPolicy": "Background"},
                not_found=DocumentJobNotFoundError,
            )
        except DocumentJobNotFoundError:
            return False
        return True


def lease_path(namespace: str, name: str | None = None) -> str:
    base = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
    return f"{base}/{name}" if name else base

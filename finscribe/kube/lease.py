"""Leader election on a coordination.k8s.io/v1 Lease: one active operator replica at a time.

A replica takes the Lease when it is free, its own, or expired (renewTime + duration in the
past), with a JSON patch that tests the Lease's resourceVersion, so two replicas never both
win. The holder renews it every `renew_s`; a holder that cannot renew for `duration_s` must
stop working (`hold` returns), and another replica takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from finscribe.errors import ConflictError, KubernetesUnavailableError, NotFoundError
from finscribe.kube.client import JSON_PATCH, KubeClient, lease_path

log = logging.getLogger(__name__)


def _micro(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class LeaseElector:
    def __init__(
        self,
        kube: KubeClient,
        *,
        namespace: str,
        name: str,
        identity: str,
        duration_s: float = 15.0,
        renew_s: float = 5.0,
    ) -> None:
        if renew_s >= duration_s:
            raise ValueError("the renew interval must be shorter than the lease duration")
        self.kube = kube
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.duration_s = duration_s
        self.renew_s = renew_s
        self.is_leader = False

    def _spec(self, now: datetime, acquire: bool, transitions: int) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": max(1, round(self.duration_s)),
            "renewTime": _micro(now),
            "leaseTransitions": transitions,
        }
        if acquire:
            spec["acquireTime"] = _micro(now)
        return spec

    async def try_acquire(self) -> bool:
        """One attempt to take or renew the Lease. True if this replica holds it now."""
        now = datetime.now(UTC)
        try:
            lease = await self.kube.request("GET", lease_path(self.namespace, self.name))
        except NotFoundError:
            body = {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace},
                "spec": self._spec(now, acquire=True, transitions=0),
            }
            try:
                await self.kube.request("POST", lease_path(self.namespace), body=body)
            except ConflictError:
                return False  # another replica created it first
            self.is_leader = True
            return True
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity") or ""
        renewed = _parse(spec.get("renewTime")) or _parse(spec.get("acquireTime"))
        duration = float(spec.get("leaseDurationSeconds") or self.duration_s)
        expired = renewed is None or renewed + timedelta(seconds=duration) < now
        if holder not in ("", self.identity) and not expired:
            self.is_leader = False
            return False
        mine = holder == self.identity
        transitions = int(spec.get("leaseTransitions") or 0) + (0 if mine else 1)
        new_spec = dict(spec)
        new_spec.update(self._spec(now, acquire=not mine, transitions=transitions))
        ops: list[dict[str, Any]] = [
            {"op": "test", "path": "/metadata/resourceVersion",
             "value": lease["metadata"].get("resourceVersion")},
            {"op": "replace" if "spec" in lease else "add", "path": "/spec", "value": new_spec},
        ]  # fmt: skip
        try:
            await self.kube.request(
                "PATCH",
                lease_path(self.namespace, self.name),
                body=ops,
                content_type=JSON_PATCH,
            )
        except (ConflictError, NotFoundError):
            self.is_leader = False
            return False
        self.is_leader = True
        return True

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait until this replica holds the Lease (True) or `stop` is set (False)."""
        while not stop.is_set():
            try:
                if await self.try_acquire():
                    log.info("lease %s/%s acquired by %s", self.namespace, self.name, self.identity)
                    return True
            except KubernetesUnavailableError as err:
                log.warning("lease %s/%s: %s", self.namespace, self.name, err)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.renew_s)
        return False

    async def hold(self, stop: asyncio.Event) -> None:
        """Renew the Lease until `stop` is set (then release it) or it is lost (return)."""
        last_renewed = asyncio.get_running_loop().time()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.renew_s)
            if stop.is_set():
                break
            try:
                if not await self.try_acquire():
                    log.error("lease %s/%s lost to another replica", self.namespace, self.name)
                    return
                last_renewed = asyncio.get_running_loop().time()
            except KubernetesUnavailableError as err:
                if asyncio.get_running_loop().time() - last_renewed > self.duration_s:
                    log.error("lease %s/%s not renewed in time: %s", self.namespace, self.name, err)
                    self.is_leader = False
                    return
        await self.release()

    async def release(self) -> None:
        """Give the Lease up so that a standby replica takes over at once."""
        if not self.is_leader:
            return
        self.is_leader = False
        try:
            lease = await self.kube.request("GET", lease_path(self.namespace, self.name))
            if (lease.get("spec") or {}).get("holderIdentity") != self.identity:
                return
            ops = [
                {"op": "test", "path": "/metadata/resourceVersion",
                 "value": lease["metadata"].get("resourceVersion")},
                {"op": "replace", "path": "/spec/holderIdentity", "value": ""},
            ]  # fmt: skip
            await self.kube.request(
                "PATCH", lease_path(self.namespace, self.name), body=ops, content_type=JSON_PATCH
            )
        except (ConflictError, NotFoundError, KubernetesUnavailableError) as err:
            log.warning("lease %s/%s not released: %s", self.namespace, self.name, err)

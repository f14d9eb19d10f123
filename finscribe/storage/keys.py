"""Storage keys, built only from ids (never from user-supplied names), tenant and job scoped."""

from __future__ import annotations

import re
import uuid

#: What a key may contain: ids, fixed words, "/", "." (never ".." or an absolute path).
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*/?$")


def tenant_prefix(tenant_id: uuid.UUID) -> str:
    return f"tenants/{uuid.UUID(str(tenant_id))}/"


def job_prefix(tenant_id: uuid.UUID, job_id: uuid.UUID) -> str:
    """Everything stored for one job lives under this prefix."""
    return f"{tenant_prefix(tenant_id)}jobs/{uuid.UUID(str(job_id))}/"


def source_key(tenant_id: uuid.UUID, job_id: uuid.UUID) -> str:
    """The uploaded document, as received."""
    return f"{job_prefix(tenant_id, job_id)}source"


def result_key(tenant_id: uuid.UUID, job_id: uuid.UUID) -> str:
    """The schema v1 result document."""
    return f"{job_prefix(tenant_id, job_id)}result.json"


def artifact_key(tenant_id: uuid.UUID, job_id: uuid.UUID, name: str) -> str:
    """A pipeline artifact under the job (`name` is a fixed word chosen by code, e.g. "text")."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,63}", name) or ".." in name:
        raise ValueError(f"invalid artifact name: {name!r}")
    return f"{job_prefix(tenant_id, job_id)}artifacts/{name}"


def model_key(name: str, version: str) -> str:
    """A trained model artifact."""
    for part in (name, version):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", part) or ".." in part:
            raise ValueError(f"invalid model name or version: {part!r}")
    return f"models/{name}/{version}/model.joblib"


def validate_key(key: str, *, prefix: bool = False) -> str:
    """Return the key if it is safe (relative, no '..', plain characters), else ValueError."""
    if not key and prefix:
        return key
    if not _KEY_RE.fullmatch(key) or ".." in key.split("/") or len(key) > 1024:
        raise ValueError(f"invalid storage key: {key!r}")
    if key.endswith("/") and not prefix:
        raise ValueError(f"invalid storage key (ends with /): {key!r}")
    return key

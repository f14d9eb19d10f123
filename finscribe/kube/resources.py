"""The DocumentJob resource: its API coordinates and the deterministic job id of a resource."""

from __future__ import annotations

import uuid
from typing import Final

GROUP: Final = "finscribe.io"
VERSION: Final = "v1alpha1"
API_VERSION: Final = f"{GROUP}/{VERSION}"
KIND: Final = "DocumentJob"
PLURAL: Final = "documentjobs"
#: The finalizer the operator puts on every DocumentJob it accepted.
FINALIZER: Final = "finscribe.io/cleanup"
#: Annotation/label prefix the operator and API use.
LABEL_PREFIX: Final = "finscribe.io/"

#: uuid5 namespace of job ids derived from DocumentJob resources (never change it).
_JOB_ID_NAMESPACE: Final = uuid.UUID("6f0c4c64-5b7e-4c1f-9a55-3d2e1f0b7a10")


def job_id_for(uid: str, generation: int = 1) -> uuid.UUID:
    """The job id of a DocumentJob: the same for the same resource uid and spec generation.

    The API (submit mode `kubernetes`) and the operator both compute it, so the API can answer
    with the job id as soon as the DocumentJob is created. The spec is immutable, so in
    practice the generation is 1.
    """
    return uuid.uuid5(_JOB_ID_NAMESPACE, f"{uid}/{int(generation)}")


def collection_path(namespace: str | None) -> str:
    """The URL path of the DocumentJobs of a namespace (None: of every namespace)."""
    if namespace is None:
        return f"/apis/{GROUP}/{VERSION}/{PLURAL}"
    return f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{PLURAL}"


def object_path(namespace: str, name: str, subresource: str | None = None) -> str:
    path = f"{collection_path(namespace)}/{name}"
    return f"{path}/{subresource}" if subresource else path

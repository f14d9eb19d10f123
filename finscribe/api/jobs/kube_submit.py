"""Submit mode `kubernetes`: an upload becomes a DocumentJob that the operator turns into a job.

The file is staged in storage under the tenant's prefix (``tenants/<id>/uploads/<random>``,
never a client-supplied name), then a DocumentJob with ``source.upload.storageKey`` is created
in the tenant's namespace. The job id is derived from the resource's uid exactly as the
operator derives it (``finscribe.kube.resources.job_id_for``), so the caller can poll at once
(the job answers 404 until the operator has created it, normally within a second or two).
An Idempotency-Key names the DocumentJob, so a repeat finds the same resource.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from finscribe import errors
from finscribe.api.uploads import UploadedFile
from finscribe.core.tenants import TenantService
from finscribe.kube import resources
from finscribe.kube.client import DocumentJobClient, KubeClient
from finscribe.kube.config import load as load_kube_config
from finscribe.settings import Settings
from finscribe.storage import keys
from finscribe.storage.protocol import ObjectStorage

_DOCUMENT_TYPES = ("invoice", "receipt", "credit_note")


class KubeSubmitter:
    def __init__(self, settings: Settings, storage: ObjectStorage, tenants: TenantService) -> None:
        self.settings = settings
        self.storage = storage
        self.tenants = tenants
        self.kube = KubeClient(load_kube_config())
        self.client = DocumentJobClient(self.kube)
        self._names: dict[uuid.UUID, str] = {}

    async def _namespace(self, tenant_id: uuid.UUID) -> str:
        name = self._names.get(tenant_id)
        if name is None:
            name = (await self.tenants.get_tenant(tenant_id)).name
            self._names[tenant_id] = name
        return self.settings.api.kube_namespace_template.format(tenant=name)

    @staticmethod
    def _spec(
        key: str, file: UploadedFile, callback_url: str | None, hints: dict[str, str]
    ) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "source": {
                "upload": {
                    "storageKey": key,
                    "filename": file.filename,
                    "contentType": file.content_type,
                }
            }
        }
        options: dict[str, Any] = {}
        if hints.get("document_type") in _DOCUMENT_TYPES:
            options["documentType"] = hints["document_type"]
        if hints.get("language"):
            options["languages"] = [hints["language"]]
        if options:
            spec["options"] = options
        if callback_url:
            if not callback_url.startswith("https://"):
                raise errors.InputError("in kubernetes submit mode callback_url must be https")
            spec["callback"] = {"url": callback_url}
        return spec

    async def submit(
        self,
        tenant_id: uuid.UUID,
        file: UploadedFile,
        *,
        idempotency_key: str | None,
        callback_url: str | None,
        hints: dict[str, str],
        actor: str,
    ) -> tuple[uuid.UUID, bool]:
        """Stage the file and create the DocumentJob: (job id, created?)."""
        namespace = await self._namespace(tenant_id)
        spec_key = f"{keys.tenant_prefix(tenant_id)}uploads/{uuid.uuid4().hex}"
        spec = self._spec(spec_key, file, callback_url, hints)
        await self.storage.put_stream(spec_key, file.chunks(), content_type=file.content_type)
        name = None
        if idempotency_key is not None:
            digest = hashlib.sha256(f"{tenant_id}:{idempotency_key}".encode()).hexdigest()
            name = f"upload-{digest[:40]}"
        labels = {f"{resources.LABEL_PREFIX}channel": "api"}
        annotations = {f"{resources.LABEL_PREFIX}submitted-by": actor}
        try:
            created = await self.client.create_document_job(
                namespace,
                name,
                spec,
                labels=labels,
                annotations=annotations,
                generate_name=None if name else "upload-",
            )
        except errors.ConflictError:
            await self.storage.delete(spec_key)
            assert name is not None
            existing = await self.client.get_document_job(namespace, name)
            meta = existing["metadata"]
            return resources.job_id_for(meta["uid"], int(meta.get("generation") or 1)), False
        except BaseException:
            await self.storage.delete(spec_key)
            raise
        meta = created["metadata"]
        return resources.job_id_for(meta["uid"], int(meta.get("generation") or 1)), True

    async def close(self) -> None:
        await self.kube.close()

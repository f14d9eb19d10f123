"""Build-time tool: put the configured OCR model's ONNX files into a Triton model repository.

Run by ``make triton-repo`` (``python -m finscribe.inference.triton_repo``). The committed
repositories hold only ``config.pbtxt`` (and Python-backend ``model.py``) files; this tool links
(or, with ``--copy``, copies) ``models/<model>/det.onnx`` and ``rec.onnx`` to
``<repo>/<triton model>/1/model.onnx`` for every Triton model folder it knows, so the same
command serves ``model_repository/`` (CPU, Python backend) and ``model_repository-gpu/`` (NGC
container, onnxruntime backend). Idempotent: an existing link or file that already matches is
left alone, anything else is replaced.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
from pathlib import Path

from finscribe.constants import OCR_DET_FILE, OCR_REC_FILE
from finscribe.errors import ModelNotFoundError

#: Triton model folder -> file of the OCR model folder that it runs.
TRITON_MODEL_FILES: dict[str, str] = {
    "ocr_det": OCR_DET_FILE,
    "ocr_rec": OCR_REC_FILE,
    "ocr_det_onnx": OCR_DET_FILE,
    "ocr_rec_onnx": OCR_REC_FILE,
}
#: onnxruntime-backend model -> the ensemble that gives it the worker's name and tensors.
ENSEMBLE_OF: dict[str, str] = {"ocr_det_onnx": "ocr_det", "ocr_rec_onnx": "ocr_rec"}
ENSEMBLE = 'platform: "ensemble"'
#: The model version folder the committed configs use.
MODEL_VERSION = "1"
#: Written at the repository root: which OCR model the repository serves (for people and checks).
MARKER_FILE = "OCR_MODEL"


def build_repo(repo: Path, model_folder: Path, *, copy: bool = False) -> list[Path]:
    """Place the model files; return the ``model.onnx`` paths written or confirmed."""
    if not repo.is_dir():
        raise ModelNotFoundError(f"Triton model repository {repo} does not exist")
    placed: list[Path] = []
    for name, source_name in TRITON_MODEL_FILES.items():
        config = repo / name / "config.pbtxt"
        if not config.is_file() or ENSEMBLE in config.read_text(encoding="utf-8"):
            continue
        source = (model_folder / source_name).resolve()
        if not source.is_file():
            raise ModelNotFoundError(f"{model_folder} lacks {source_name}: run `make models` first")
        target = repo / name / MODEL_VERSION / "model.onnx"
        target.parent.mkdir(parents=True, exist_ok=True)
        _place(source, target, copy=copy)
        placed.append(target)
        if name in ENSEMBLE_OF:
            align_output_name(repo, name, source)
    if not placed:
        raise ModelNotFoundError(
            f"{repo} has no OCR model folders ({', '.join(TRITON_MODEL_FILES)})"
        )
    (repo / MARKER_FILE).write_text(f"{model_folder.name}\n", encoding="utf-8")
    return placed


def align_output_name(repo: Path, name: str, onnx_file: Path) -> None:
    """Write the ONNX file's output tensor name into an onnxruntime-backend config and the
    ensemble that maps it (the committed GPU configs name ``fetch_name_0``, as PP-OCRv5/v6
    do; PP-OCRv4 calls it ``sigmoid_0.tmp_0`` / ``softmax_11.tmp_0``)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
    actual = session.get_outputs()[0].name
    config = repo / name / "config.pbtxt"
    text = config.read_text(encoding="utf-8")
    found = re.search(r'output \[\s*\{\s*name: "([^"]+)"', text)
    if found is None or found.group(1) == actual:
        return
    stated = found.group(1)
    config.write_text(text.replace(f'name: "{stated}"', f'name: "{actual}"', 1), encoding="utf-8")
    ensemble = repo / ENSEMBLE_OF[name] / "config.pbtxt"
    if ensemble.is_file():
        etext = ensemble.read_text(encoding="utf-8")
        etext = etext.replace(f'output_map {{ key: "{stated}"', f'output_map {{ key: "{actual}"')
        ensemble.write_text(etext, encoding="utf-8")
    print(f"triton-repo: {config}: output {stated!r} -> {actual!r}")


def _place(source: Path, target: Path, *, copy: bool) -> None:
    if target.is_symlink() and not copy and Path(os.readlink(target)) == source:
        return
    if (
        copy
        and target.is_file()
        and not target.is_symlink()
        and target.stat().st_size == source.stat().st_size
        and target.read_bytes() == source.read_bytes()
    ):
        return
    partial = target.with_name(f".{target.name}.part")
    if partial.exists() or partial.is_symlink():
        partial.unlink()
    if copy:
        shutil.copyfile(source, partial)
    else:
        partial.symlink_to(source)
    partial.replace(target)


def main(argv: list[str] | None = None) -> None:
    from finscribe.settings import OcrSettings

    defaults = OcrSettings()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("repos", nargs="*", type=Path, default=[Path("model_repository")])
    parser.add_argument("--model", default=defaults.model, help="OCR model (FINSCRIBE_OCR_MODEL)")
    parser.add_argument("--model-dir", type=Path, default=defaults.model_dir)
    parser.add_argument("--copy", action="store_true", help="copy the files instead of linking")
    args = parser.parse_args(argv)
    for repo in args.repos:
        for target in build_repo(repo, args.model_dir / args.model, copy=args.copy):
            print(f"triton-repo: {target} <- {args.model}")


if __name__ == "__main__":
    main()

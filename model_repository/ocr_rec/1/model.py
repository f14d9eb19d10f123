"""Triton Python-backend model: PaddleOCR text recognition, model.onnx run by onnxruntime (CPU)."""

import json
import os
from pathlib import Path

import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils


def load_session(args: dict) -> ort.InferenceSession:
    """An onnxruntime session for 1/model.onnx with the thread count from the config."""
    config = json.loads(args["model_config"])
    params = {k: v["string_value"] for k, v in config.get("parameters", {}).items()}
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(params.get("intra_op_threads", "0"))
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # no busy-waiting between operators: on shared cores spinning burns the computation's time
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    path = Path(args["model_repository"]) / args["model_version"] / "model.onnx"
    if not path.is_file():
        raise pb_utils.TritonModelException(
            f"{path} is missing: run `make triton-repo` (python -m finscribe.inference.triton_repo)"
        )
    # "cpu" here; "cuda" runs the network on a GPU when onnxruntime-gpu is installed
    # (FINSCRIBE_TRITON_EXECUTION_PROVIDER overrides the config, e.g. for a GPU benchmark)
    provider = os.environ.get("FINSCRIBE_TRITON_EXECUTION_PROVIDER") or params.get(
        "execution_provider", "cpu"
    )
    providers = ["CPUExecutionProvider"]
    if provider == "cuda":
        if "CUDAExecutionProvider" not in ort.get_available_providers():
            raise pb_utils.TritonModelException(
                "execution_provider cuda: onnxruntime-gpu is not installed"
            )
        providers.insert(0, "CUDAExecutionProvider")
    return ort.InferenceSession(str(path), options, providers=providers)


def run_grouped(session: ort.InferenceSession, arrays: list, run_batch: int = 0) -> list:
    """Run each distinct input shape as one batch (never re-padding); outputs in request order.

    ``run_batch`` > 0 splits a batch into onnxruntime runs of at most that many rows (on CPU
    one row per run was fastest: activations of a big batch fall out of the caches)."""
    groups: dict = {}
    for i, array in enumerate(arrays):
        groups.setdefault(array.shape[1:], []).append(i)
    name = session.get_inputs()[0].name
    results: list = [None] * len(arrays)
    for members in groups.values():
        batch = (
            np.concatenate([arrays[i] for i in members]) if len(members) > 1 else arrays[members[0]]
        )
        step = run_batch if run_batch > 0 else len(batch)
        parts = [
            session.run(None, {name: batch[k : k + step]})[0] for k in range(0, len(batch), step)
        ]
        out = parts[0] if len(parts) == 1 else np.concatenate(parts)
        start = 0
        for i in members:
            n = arrays[i].shape[0]
            results[i] = out[start : start + n]
            start += n
    return results


class TritonPythonModel:
    def initialize(self, args: dict) -> None:
        self.session = load_session(args)
        config = json.loads(args["model_config"])
        params = config.get("parameters", {})
        self.run_batch = int(params.get("run_batch_size", {}).get("string_value", "0"))

    def execute(self, requests: list) -> list:
        arrays = [pb_utils.get_input_tensor_by_name(r, "x").as_numpy() for r in requests]
        try:
            probs = run_grouped(self.session, arrays, self.run_batch)
        except Exception as exc:  # one bad batch fails its requests, not the server
            error = pb_utils.TritonError(f"recognition failed: {exc}")
            return [pb_utils.InferenceResponse(output_tensors=[], error=error) for _ in requests]
        responses = []
        for p in probs:
            # Greedy CTC needs only the best class and its probability per time step.
            indices = p.argmax(axis=2).astype(np.int32)
            scores = p.max(axis=2).astype(np.float32)
            responses.append(
                pb_utils.InferenceResponse(
                    output_tensors=[
                        pb_utils.Tensor("indices", indices),
                        pb_utils.Tensor("scores", scores),
                    ]
                )
            )
        return responses

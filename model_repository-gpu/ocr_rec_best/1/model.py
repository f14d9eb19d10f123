"""Triton Python-backend model: best CTC class and its probability per time step."""

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests: list) -> list:
        responses = []
        for request in requests:
            probs = pb_utils.get_input_tensor_by_name(request, "probs").as_numpy()
            indices = probs.argmax(axis=2).astype(np.int32)
            scores = probs.max(axis=2).astype(np.float32)
            responses.append(
                pb_utils.InferenceResponse(
                    output_tensors=[
                        pb_utils.Tensor("indices", indices),
                        pb_utils.Tensor("scores", scores),
                    ]
                )
            )
        return responses

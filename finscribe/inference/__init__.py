"""Inference adapters: OCR engines (in-process onnxruntime, NVIDIA Triton) behind one Protocol."""

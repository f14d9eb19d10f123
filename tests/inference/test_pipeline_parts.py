"""The shared pipeline pieces on their own: dictionaries, CTC decoding, word gaps, geometry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from finscribe.errors import ModelNotFoundError
from finscribe.inference import ctc, fetch_models, rec, words
from finscribe.inference.charset import load_charset
from finscribe.inference.geometry import Crop, order_quad, reading_order, rotate_points
from finscribe.settings import OcrSettings

MODEL_DIR = OcrSettings().model_dir
MODELS = sorted(p.name for p in MODEL_DIR.iterdir() if (p / "rec.onnx").is_file())


@pytest.mark.parametrize("model", MODELS)
def test_charset_matches_the_recogniser_output(model: str) -> None:
    charset = load_charset(MODEL_DIR / model)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(MODEL_DIR / model / "rec.onnx"), options)
    classes = session.get_outputs()[0].shape[-1]
    assert len(charset) == classes
    assert charset[0] == ""  # CTC blank
    assert charset[-1] == " "
    assert {"A", "z", "0", "9", ":", "%", "é"} <= set(charset)
    if model != "ppocrv4":  # PP-OCRv4's dictionary has no euro sign, no ß, no ö
        assert {"€", "£", "ß", "ö", "Ä", "ç"} <= set(charset)
    assert "：" not in charset  # full-width forms read as ASCII


def test_charset_without_dictionary_or_metadata_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match=r"rec\.onnx"):
        load_charset(tmp_path)


def _probs(steps: list[int], classes: int = 5) -> np.ndarray:
    out = np.full((len(steps), classes), 0.01, np.float32)
    for t, k in enumerate(steps):
        out[t, k] = 0.9
    return out


def test_ctc_merges_repeats_and_keeps_positions() -> None:
    charset = ["", "a", "b", "c", " "]
    decoded = ctc.decode(_probs([0, 1, 1, 0, 1, 0, 2, 4, 3, 3, 0, 0]), charset)
    assert decoded.text == "aab c"
    assert [(c.start, c.end) for c in decoded.chars] == [(1, 2), (4, 4), (6, 6), (7, 7), (8, 9)]
    assert decoded.confidence == pytest.approx(0.9)
    assert ctc.decode(_probs([1, 1, 2, 2]), charset, valid_steps=2).text == "a"


def _line_crop(blocks: list[tuple[int, int]], height: int = 40, width: int = 200) -> Crop:
    image = np.full((height, width, 3), 255, np.uint8)
    for x0, x1 in blocks:
        image[10:30, x0:x1] = 0
    return Crop(image=image, to_page=np.eye(3))


def _decoded(text: str, centres: list[int]) -> ctc.Decoded:
    # one timestep per crop pixel: padded width == timesteps == resized width == crop width
    chars = tuple(ctc.DecodedChar(ch, x, x, 0.9) for ch, x in zip(text, centres, strict=True))
    return ctc.Decoded(chars=chars, timesteps=200)


def test_wide_ink_gap_between_letters_becomes_a_space() -> None:
    # four glyphs 10 px wide; letter gaps 3 px, one 16 px gap (0.4 x the 40 px line height)
    blocks = [(10, 20), (23, 33), (49, 59), (62, 72)]
    crop = _line_crop(blocks)
    spans = words.split_words(_decoded("abcd", [15, 28, 54, 67]), crop, 200, 200)
    assert [s.text for s in spans] == ["ab", "cd"]
    assert (spans[0].x0, spans[0].x1) == (10, 33)
    assert (spans[1].x0, spans[1].x1) == (49, 72)


def test_same_gap_between_digits_and_before_punctuation_is_not_a_space() -> None:
    blocks = [(10, 20), (23, 33), (43, 53)]  # 10 px gap: 0.25 x height
    crop = _line_crop(blocks)
    assert [s.text for s in words.split_words(_decoded("12,", [15, 28, 48]), crop, 200, 200)] == [
        "12,"
    ]
    assert [s.text for s in words.split_words(_decoded("123", [15, 28, 48]), crop, 200, 200)] == [
        "123"
    ]
    assert [s.text for s in words.split_words(_decoded("abc", [15, 28, 48]), crop, 200, 200)] == [
        "ab",
        "c",
    ]


def test_model_spaces_are_kept_and_blank_crops_have_no_words() -> None:
    crop = _line_crop([(10, 20), (23, 33), (36, 46)])
    decoded = ctc.Decoded(
        chars=(
            ctc.DecodedChar("a", 15, 15, 0.9),
            ctc.DecodedChar(" ", 21, 21, 0.9),
            ctc.DecodedChar("b", 28, 28, 0.8),
            ctc.DecodedChar("c", 41, 41, 0.7),
        ),
        timesteps=200,
    )
    spans = words.split_words(decoded, crop, 200, 200)
    assert [s.text for s in spans] == ["a", "bc"]
    assert spans[1].confidence == pytest.approx(0.75)
    assert words.split_words(ctc.Decoded(chars=(), timesteps=10), crop, 200, 200) == []


def test_quads_order_rotate_and_sort() -> None:
    quad = order_quad([[50, 20], [10, 22], [10, 12], [50, 10]])
    assert quad.tolist() == [[10, 12], [50, 10], [50, 20], [10, 22]]
    pts = np.array([[10.0, 20.0]], np.float32)
    for turn in (90, 180, 270):
        there = rotate_points(pts, turn, 100, 60)
        w, h = (60, 100) if turn in (90, 270) else (100, 60)
        assert rotate_points(there, 360 - turn, w, h).tolist() == pts.tolist()
    row = [
        order_quad([[x, y], [x + 40, y], [x + 40, y + 10], [x, y + 10]])
        for x, y in [(100, 52), (10, 50), (10, 10)]
    ]
    assert reading_order(row) == [2, 1, 0]


def test_rec_width_scale_narrows_the_inputs_and_the_batches_follow() -> None:
    # crops 24 px high: 242, 100 and 256 px wide (aspect x 48: 484, 200, 512)
    crops = [np.full((24, w, 3), 255, dtype=np.uint8) for w in (242, 100, 256)]
    assert [rec.resized_width(c, 1.0) for c in crops] == [484, 200, 512]
    assert [rec.resized_width(c, 0.85) for c in crops] == [412, 170, 436]
    # at 1.0 the 484 and 512 px lines share the 512 bucket; at 0.85 they pad to 416 and 448
    assert rec.plan_batches(crops, 8, 1.0) == [[1], [0, 2]]
    assert rec.plan_batches(crops, 8, 0.85) == [[1], [0], [2]]
    batch = rec.prepare_batch(crops, [0], 0.85)
    assert batch.widths == (412,)
    assert batch.tensor.shape == (1, 3, 48, 416)
    assert np.all(batch.tensor[0, :, :, :412] == 1.0)  # white, scaled to [-1, 1]
    assert np.all(batch.tensor[0, :, :, 412:] == 0.0)  # right padding


def test_the_default_model_is_one_make_models_provides() -> None:
    settings = OcrSettings()
    assert settings.model in fetch_models.MODEL_SOURCES
    files = fetch_models.MODEL_SOURCES[settings.model][1]
    assert {"det.onnx", "rec.onnx"} <= set(files)
    assert (settings.model_dir / settings.model / "rec.onnx").is_file()


def test_a_late_spike_does_not_split_a_word_before_a_model_space() -> None:
    # "ll L": the second l (x 31) fired late, over the space run [33, 49): the run is centred
    # between the two l's spikes; the model's own space between "l" and "L" has no run
    crop = _line_crop([(10, 20), (23, 33), (49, 59)])
    decoded = _decoded("ll L", [15, 44, 47, 54])
    assert [s.text for s in words.split_words(decoded, crop, 200, 200)] == ["ll", "L"]
    # without the model's space the same run is a word space where it is
    plain = _decoded("llL", [15, 44, 54])
    assert [s.text for s in words.split_words(plain, crop, 200, 200)] == ["l", "lL"]

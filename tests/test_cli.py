"""`finscribe scan`: JSON Lines in input order, error objects, exit status, --pages, --lines."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from finscribe.cli.main import main
from finscribe.core.schema import schema_errors

PAGE = (360.0, 200.0)


def _pdf(path: Path, pages: list[list[str]]) -> Path:
    c = canvas.Canvas(str(path), pagesize=PAGE)
    for lines in pages:
        c.setFont("Helvetica", 14)
        for i, line in enumerate(lines):
            c.drawString(20, PAGE[1] - 40 - 24 * i, line)
        c.showPage()
    c.save()
    return path


@pytest.fixture
def docs(tmp_path: Path) -> dict[str, Path]:
    bogus = tmp_path / "notes.pdf"
    bogus.write_text("this is a text file, not a PDF\n")
    return {
        "one": _pdf(tmp_path / "one.pdf", [["Invoice INV-1", "Total 10.00 EUR"]]),
        "three": _pdf(
            tmp_path / "three.pdf",
            [["First page text"], ["Second page text"], ["Third page text"]],
        ),
        "bogus": bogus,
    }


def _json_lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_json_lines_in_input_order_with_error_object_and_failing_exit(
    docs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(docs["three"]), str(docs["bogus"]), str(docs["one"])]
    status = main(["scan", *paths])
    records = _json_lines(capsys.readouterr().out)
    assert status == 1
    assert [r["source"] for r in records] == paths
    three, bogus, one = records
    assert bogus == {
        "source": paths[1],
        "error": {"code": "UNSUPPORTED_TYPE", "message": bogus["error"]["message"]},  # type: ignore[index]
    }
    assert "plain text" in bogus["error"]["message"]  # type: ignore[index]
    for record, pages in ((three, 3), (one, 1)):
        assert set(record) == {"source", "document"}
        document = record["document"]
        assert document["schema_version"] == "1"  # type: ignore[index]
        assert [p["source"] for p in document["pages"]] == ["text_layer"] * pages  # type: ignore[index]
        assert document["pages"][0]["width"] == 1000  # type: ignore[index]  # 5 in at 200 dpi
        assert schema_errors(document) == []


def test_all_good_inputs_exit_zero(
    docs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(docs["one"])]) == 0
    assert len(_json_lines(capsys.readouterr().out)) == 1


def test_pages_limits_the_pages_read(
    docs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(docs["three"]), "--pages", "2", "--lines"]) == 0
    (record,) = _json_lines(capsys.readouterr().out)
    assert [p["number"] for p in record["document"]["pages"]] == [1, 2]  # type: ignore[index]
    assert [p["lines"][0]["text"] for p in record["text"]["pages"]] == [  # type: ignore[index]
        "First page text",
        "Second page text",
    ]


def test_lines_adds_positioned_text(
    docs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "--lines", str(docs["one"])]) == 0
    (record,) = _json_lines(capsys.readouterr().out)
    (page,) = record["text"]["pages"]  # type: ignore[index]
    assert page["source"] == "text_layer"
    assert page["dpi"] == 200
    first = page["lines"][0]
    assert first["text"] == "Invoice INV-1"
    assert first["confidence"] == 1.0
    x0, y0, x1, y1 = first["bbox"]
    assert x0 == pytest.approx(20 * 200 / 72, abs=1)
    assert 0 < y0 < y1 < page["height"]
    assert x0 < x1
    assert [w["text"] for w in first["words"]] == ["Invoice", "INV-1"]
    assert all(len(w["bbox"]) == 4 for w in first["words"])


def test_text_format_is_readable(docs: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["scan", "--format", "text", str(docs["one"]), str(docs["bogus"])])
    out = capsys.readouterr().out
    assert status == 1
    assert f"== {docs['one']} ==" in out
    assert "page 1 · text_layer · 1000x556 px at 200 dpi" in out
    assert "[1.00] Invoice INV-1" in out
    assert "[1.00] Total 10.00 EUR" in out
    assert "error UNSUPPORTED_TYPE" in out


def test_image_is_ocrd(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(_pdf(tmp_path / "src.pdf", [["Receipt total 7.25"]]))
    png = tmp_path / "receipt.png"
    pdf[0].render(scale=200 / 72).to_pil().convert("RGB").save(png)
    pdf.close()
    assert main(["scan", "--lines", str(png)]) == 0
    (record,) = _json_lines(capsys.readouterr().out)
    (page,) = record["text"]["pages"]  # type: ignore[index]
    assert page["source"] == "ocr"
    assert "7.25" in " ".join(line["text"] for line in page["lines"])


def test_many_documents_keep_stdout_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(_pdf(tmp_path / f"d{i}.pdf", [[f"Document {i}"]])) for i in range(5)]
    assert main(["scan", *paths]) == 0
    records = _json_lines(capsys.readouterr().out)  # the progress bar went to stderr
    assert [r["source"] for r in records] == paths


def test_corrupt_and_empty_inputs_do_not_stop_the_batch(
    tmp_path: Path, docs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    cut = tmp_path / "cut.png"
    buf = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(buf, "PNG")
    cut.write_bytes(buf.getvalue()[:60])
    paths = [str(empty), str(cut), str(tmp_path / "missing.pdf"), str(docs["one"])]
    assert main(["scan", *paths]) == 1
    records = _json_lines(capsys.readouterr().out)
    assert [r.get("error", {}).get("code") for r in records] == [  # type: ignore[attr-defined]
        "EMPTY_FILE",
        "CORRUPT_FILE",
        "INVALID_INPUT",
        None,
    ]


def test_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["scan", "x.pdf", "--pages", "0"])
    assert info.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err
    assert main([]) == 2


def test_entry_point_and_no_ocr_models_for_text_pdfs(docs: dict[str, Path]) -> None:
    """The installed command runs; a text-layer-only batch never imports onnxruntime."""
    script = (
        "import sys\n"
        "from finscribe.cli.main import main\n"
        f"status = main(['scan', {str(docs['one'])!r}, {str(docs['three'])!r}])\n"
        "print('onnxruntime' in sys.modules, file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2
    assert done.stderr.strip().splitlines()[-1] == "False"
    command = Path(sys.executable).parent / "finscribe"
    done = subprocess.run(
        [str(command), "scan", str(docs["bogus"])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]["code"] == "UNSUPPORTED_TYPE"

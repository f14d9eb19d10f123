"""Shared by the benchmarks: the machine's CPU model and their sections of docs/benchmarks.md."""

from __future__ import annotations

import platform
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), else what the platform module says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write_section(section: str, body: str, path: Path = DOC) -> None:
    """Replace the part of ``path`` from the ``section`` heading to the next ``## `` heading
    with ``body`` (which starts with that heading), or append ``body`` when it is missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find(section)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + body
    else:
        nxt = text.find("\n## ", start + len(section))
        text = text[:start] + body + ("\n" + text[nxt + 1 :] if nxt >= 0 else "")
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")

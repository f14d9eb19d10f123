"""`finscribe train --data DIR [--out DIR]`: rebuild the field scorer from labelled documents.

``DIR`` holds ``name.pdf`` (or an image) next to ``name.truth.json`` (the labelled-folder
format of tests/docgen; corrections exported by the active-learning loop use it too). The
documents are read with the real pipeline (text layer, else OCR); the artifact
(``scorer.joblib`` + ``scorer.json``) goes to ``--out``, by default the packaged model folder
that extraction loads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from finscribe import errors
from finscribe.core import pipeline
from finscribe.core.extraction import scorer as scorer_mod
from finscribe.core.extraction import training
from finscribe.core.model import DocumentText
from finscribe.settings import load_settings

if TYPE_CHECKING:
    from finscribe.cli.main import Subparsers


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="rebuild the field scorer from a folder of labelled documents",
        description="Train the candidate scorer from name.pdf + name.truth.json pairs.",
    )
    parser.add_argument("--data", type=Path, required=True, metavar="DIR")
    parser.add_argument(
        "--out",
        type=Path,
        default=scorer_mod.ARTIFACT_DIR,
        metavar="DIR",
        help=f"where scorer.joblib and scorer.json go (default {scorer_mod.ARTIFACT_DIR})",
    )
    parser.add_argument("--seed", type=int, default=0, help="holdout split seed")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except errors.FinscribeError as exc:
        print(json.dumps({"error": exc.to_dict()}), file=sys.stderr)
        return 2
    loop = asyncio.new_event_loop()
    engine = pipeline.default_engine(settings)

    def read_text(path: Path) -> DocumentText:
        result = loop.run_until_complete(pipeline.analyze(path, engine=engine, settings=settings))
        return result.text

    def progress(done: int) -> None:
        if done % 25 == 0:
            print(f"read {done} documents", file=sys.stderr, flush=True)

    try:
        meta = training.train_folder(args.data, args.out, read_text, args.seed, progress)
    except errors.FinscribeError as exc:
        print(json.dumps({"error": exc.to_dict()}), file=sys.stderr)
        return 1
    finally:
        loop.run_until_complete(engine.close())
        loop.close()
    print(json.dumps(meta, indent=1))
    return 0

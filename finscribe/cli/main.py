"""The `finscribe` command: one argparse parser with a subcommand per module in SUBCOMMANDS."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TypeAlias

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

#: Modules that each expose ``register(subparsers: Subparsers) -> None``; the parser they add
#: sets ``handler=<function(args) -> int>`` with ``set_defaults``. Add a subcommand by adding
#: its module here, one per line. The subcommand is named like its module (``...cli.scan``
#: registers ``scan``): only the module of the command run is imported, so `finscribe scan`
#: does not pay for the service tier's imports.
SUBCOMMANDS: tuple[str, ...] = (
    "finscribe.cli.scan",
    "finscribe.cli.train",
    "finscribe.cli.serve",
    "finscribe.cli.worker",
    "finscribe.cli.migrate",
    "finscribe.cli.admin",
    "finscribe.cli.stack",
    "finscribe.cli.operator",
)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given the arguments, only the named command's module is imported."""
    parser = argparse.ArgumentParser(
        prog="finscribe",
        description="Financial documents (invoices, receipts, credit notes) to checked data.",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    command = next((a for a in argv or () if not a.startswith("-")), None)
    chosen = [m for m in SUBCOMMANDS if m.rsplit(".", 1)[-1] == command]
    for name in chosen or SUBCOMMANDS:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())

"""`finscribe operator`: run the DocumentJob operator (Kopf, leader election on a Lease)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from finscribe.cli.main import Subparsers


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "operator",
        help="run the DocumentJob operator",
        description="Reconcile DocumentJob resources: accept, enqueue, reflect job status.",
    )
    parser.add_argument(
        "--server",
        default=None,
        help="Kubernetes API URL without auth (default: in-cluster, else the kubeconfig)",
    )
    parser.add_argument(
        "--namespace",
        action="append",
        default=None,
        help="watch only this namespace (repeatable; default FINSCRIBE_OPERATOR_NAMESPACES)",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from finscribe.kube import config
    from finscribe.operator import runtime
    from finscribe.settings import get_settings

    settings = get_settings()
    if args.namespace:
        settings.operator.namespaces = ",".join(args.namespace)
    logging.basicConfig(level=settings.log.level)
    kube_config = config.load(args.server)

    async def main() -> bool:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await runtime.run(settings, stop, kube_config=kube_config)

    # False: the Lease was lost; exit non-zero so the pod restarts as a standby.
    return 0 if asyncio.run(main()) else 1

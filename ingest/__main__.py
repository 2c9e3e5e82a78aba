"""Command line: python -m ingest [worker|poll|simulate|maintain|replay-dead-letters|edge-config] — the worker is
the default."""
from __future__ import annotations

import argparse
import logging
import signal
import sys

from db import labels
from ingest.config import ConfigError, IngestSettings

L = labels.INGEST_CLI


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def worker(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=L["worker"])
    parser.add_argument("--worker-id", help=L["help_worker_id"])
    parser.add_argument("--batch-size", type=int, help=L["help_batch_size"])
    parser.add_argument("--batch-ms", type=int, help=L["help_batch_ms"])
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in vars(args).items() if v is not None}
    settings = IngestSettings(**overrides)
    from ingest.worker import Worker
    from ingest.writer_process import WriterDied
    w = Worker(settings)

    def _stop(signum, frame):
        logging.getLogger("ingest").info(L["stopping"])
        w.stop_event.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        w.run()
    except WriterDied as exc:
        logging.getLogger("ingest").error(L["writer_gave_up"].format(code=exc.args[0]))
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    _logging()
    command = argv[0] if argv and not argv[0].startswith("-") else "worker"
    rest = argv[1:] if argv and not argv[0].startswith("-") else argv
    try:
        if command == "worker":
            return worker(rest)
        if command == "simulate":
            from ingest.simulate.cli import main as simulate
            return simulate(rest)
        if command == "poll":
            from ingest.sources.cli import main as poll
            return poll(rest)
        if command == "maintain":
            from ingest.maintenance import main as maintain
            return maintain(rest)
        if command == "replay-dead-letters":
            from ingest.replay import main as replay
            return replay(rest)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if command == "edge-config":
        from ingest.edge.cli import main as edge_config
        return edge_config(rest)
    print(L["usage"], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

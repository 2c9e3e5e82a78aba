"""python -m ingest poll: the SQL-source pollers as their own process (the ingest worker also runs them when
INGEST_SOURCES_FILE is set); --once drains every source and exits."""
from __future__ import annotations

import argparse
import logging
import signal
import threading

from db import labels
from ingest.config import ConfigError, IngestSettings
from ingest.sources.config import Source, load
from ingest.sources.poller import Pollers, SourceFailed, SourcePoller

L = labels.SOURCES_CLI
log = logging.getLogger("ingest.sources")


def configured(settings: IngestSettings, path: str | None = None, names: list[str] | None = None) -> list[Source]:
    path = path or settings.sources_file
    if not path:
        raise ConfigError(L["no_config"])
    sources = load(path)
    if names:
        unknown = set(names) - {s.name for s in sources}
        if unknown:
            raise ConfigError(L["unknown_source"].format(name=", ".join(sorted(unknown))))
        sources = [s for s in sources if s.name in names]
    return sources


def start_pollers(settings: IngestSettings, stop: threading.Event, counters=None,
                  sources: list[Source] | None = None) -> Pollers:
    sources = configured(settings) if sources is None else sources
    log.info(L["starting"].format(n=len(sources), names=", ".join(s.name for s in sources)))
    return Pollers(sources, settings, stop, counters).start()


def drain_once(settings: IngestSettings, sources: list[Source], stop: threading.Event | None = None) -> dict:
    """Every source until caught up, one after the other: {name: rows read} (None for a failed source)."""
    stop = stop or threading.Event()
    done: dict[str, int | None] = {}
    for src in sources:
        poller = SourcePoller(src, settings, stop)
        try:
            done[src.name] = poller.drain()
            poller.replays()
            poller.write_back()
        except SourceFailed as exc:
            poller.health.failed(exc.message)
            log.warning(L["source_down"].format(source=src.name, error=exc.message, delay=0))
            done[src.name] = None
        finally:
            poller.health.flush(poller.db)
            poller.close()
        t = poller.health.totals
        log.info(L["polled"].format(source=src.name, rows=t["rows"], stored=t["stored"],
                                    duplicates=t["duplicates"], dead=t["dead"]))
    return done


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest poll", description=L["poll"])
    parser.add_argument("--config", help=L["help_config"])
    parser.add_argument("--source", action="append", help=L["help_source"])
    parser.add_argument("--once", action="store_true", help=L["help_once"])
    args = parser.parse_args(argv)
    settings = IngestSettings()
    sources = configured(settings, args.config, args.source)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.once:
        done = drain_once(settings, sources, stop)
        return 0 if all(v is not None for v in done.values()) else 1
    pollers = start_pollers(settings, stop, sources=sources)
    while not stop.wait(1.0):
        pass
    pollers.join(30)
    return 0

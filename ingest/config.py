"""Ingest settings from the environment (INGEST_*, MQTT_URL, DATABASE_URL, GRID_TOPIC_PREFIX) and MQTT URLs."""
from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from db import config as db_config
from db import labels


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message (Chinese) is for the person starting the service."""


class IngestSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INGEST_", extra="ignore", populate_by_name=True)

    mqtt_url: str | None = Field(default=None, alias="MQTT_URL")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    topic_prefix: str = Field(default="grid", alias="GRID_TOPIC_PREFIX")
    frigate_topic: str = "frigate/events"
    owntracks_prefix: str = "owntracks"
    gb28181_prefix: str = "gb28181"
    # Workers in one group share the load; empty means a plain (unshared) subscription.
    shared_group: str = "ingest"
    worker_id: str = Field(default_factory=lambda: f"ingest-{socket.gethostname()}")
    session_expiry_s: int = Field(default=7 * 24 * 3600, ge=0)
    keepalive_s: int = Field(default=30, ge=5)
    batch_size: int = Field(default=5000, ge=1, le=20000)
    batch_ms: int = Field(default=100, ge=1)
    max_payload: int = Field(default=256 * 1024, ge=64)
    dead_letter_keep: int = Field(default=64 * 1024, ge=0)   # bytes of a refused payload kept for replay
    max_future_s: int = Field(default=600, ge=0)
    counters_interval_s: float = Field(default=5.0, gt=0)
    registry_refresh_s: float = Field(default=60.0, gt=0)
    replay_poll_s: float = Field(default=5.0, gt=0)          # how often to look for replays asked on the page
    retry_initial_s: float = Field(default=0.5, gt=0)
    retry_max_s: float = Field(default=30.0, gt=0)
    # Partition maintenance (ingest/maintenance.py): run at start and then this often; months created ahead;
    # retention in days per table, 0 = keep forever (whole monthly partitions are dropped, never single rows).
    maintenance: bool = True
    maintenance_interval_s: float = Field(default=3600.0, gt=0)
    partitions_ahead_months: int = Field(default=2, ge=1, le=24)
    retention_positions_days: int = Field(default=180, ge=0)
    retention_raw_events_days: int = Field(default=730, ge=0)
    retention_counters_days: int = Field(default=365, ge=0)
    # The pages' rollups (ingest/maintenance.py): time in own grid from new positions; the trend's past days.
    rollup_interval_s: float = Field(default=15.0, gt=0)
    day_stats_interval_s: float = Field(default=300.0, gt=0)
    frigate_base_url: str | None = None                        # e.g. http://nvr:5000, for snapshot links
    # Parse and write in a child process (beside the MQTT thread, not under its GIL); off = one process.
    writer_process: bool = True
    # SQL sources to poll beside MQTT (issue 8): a TOML file such as config/sources.example.toml; unset = none.
    sources_file: str | None = None

    def resolved_database_url(self) -> str:
        try:
            return self.database_url or db_config.database_url()
        except RuntimeError as exc:
            raise ConfigError(str(exc)) from None

    def resolved_mqtt_url(self) -> str:
        url = self.mqtt_url or db_config.runtime_info().get("mqtt_url")
        if not url:
            raise ConfigError(labels.INGEST_CLI["no_mqtt"])
        return url

    def receive_maximum(self) -> int:
        """How many unacknowledged messages the broker may send us: room for the batch being written
        plus the next two, within MQTT's 16-bit limit."""
        return min(65535, max(100, self.batch_size * 3))

    def subscriptions(self, shared: bool) -> list[str]:
        topics = [f"{self.topic_prefix}/v1/#", self.frigate_topic, f"{self.owntracks_prefix}/#",
                  f"{self.gb28181_prefix}/+/alarm"]
        if shared and self.shared_group:
            return [f"$share/{self.shared_group}/{t}" for t in topics]
        return topics


@dataclass(frozen=True)
class MqttEndpoint:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None


def parse_mqtt_url(url: str) -> MqttEndpoint:
    """mqtt://[user:pass@]host[:port] or mqtts://… (TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not parts.hostname:
        # Without the user:password part: the message may end up in a log.
        shown = parts._replace(netloc=parts.hostname or "").geturl()
        raise ConfigError(labels.INGEST_CLI["bad_mqtt_url"].format(url=shown))
    tls = parts.scheme in ("mqtts", "ssl")
    return MqttEndpoint(parts.hostname, parts.port or (8883 if tls else 1883), tls,
                        unquote(parts.username) if parts.username else None,
                        unquote(parts.password) if parts.password else None)

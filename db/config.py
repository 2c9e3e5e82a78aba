"""Settings read from the environment (pydantic-settings); secrets never come from the repository."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data"
RUNTIME_FILE = DATA_DIR / "runtime.json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    database_url_read: str | None = Field(default=None, alias="DATABASE_URL_READ")
    mqtt_url: str | None = Field(default=None, alias="MQTT_URL")
    topic_prefix: str = Field(default="grid", alias="GRID_TOPIC_PREFIX")
    timezone: str = Field(default="Asia/Shanghai", alias="GRID_TIMEZONE")
    production: bool = Field(default=False, alias="GRID_PRODUCTION")


def runtime_info() -> dict:
    """Endpoints that ./start.sh chose, or {} when it has not run."""
    try:
        return json.loads(RUNTIME_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings()


def database_url() -> str:
    """DATABASE_URL, else the embedded server recorded by ./start.sh."""
    url = settings().database_url or runtime_info().get("database_url")
    if not url:
        raise RuntimeError("未配置数据库：请设置 DATABASE_URL，或先运行 ./start.sh 启动内置数据库。")
    return url

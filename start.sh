#!/usr/bin/env bash
# Start the platform: venv + pinned requirements, embedded PostgreSQL, private MQTT broker, migrations, demo
# district (first run), ingest worker, demo traffic and dashboard. Ctrl-C stops everything. Details: launcher/.
set -u
cd "$(dirname "$0")" || exit 1
PY="$(command -v python3.11 || command -v python3 || true)"
if [ -z "$PY" ]; then
    # The only message not in db/labels/: without Python we cannot read it.
    echo "未找到 Python：请先安装 Python 3.11（Debian/Ubuntu：apt-get install python3.11 python3.11-venv）后重试。" >&2
    exit 2
fi
"$PY" -m launcher.bootstrap || exit $?
exec .venv/bin/python -m launcher start "$@"

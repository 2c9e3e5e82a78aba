#!/usr/bin/env bash
# Run the test suite: venv + pinned requirements, then a throwaway embedded PostgreSQL and a private mosquitto
# (unless TEST_DATABASE_URL / TEST_MQTT_URL are given), then `python -m pytest "$@"`; exits with pytest's code.
set -u
cd "$(dirname "$0")" || exit 1
PY="$(command -v python3.11 || command -v python3 || true)"
if [ -z "$PY" ]; then
    # The only message not in db/labels/: without Python we cannot read it.
    echo "未找到 Python：请先安装 Python 3.11（Debian/Ubuntu：apt-get install python3.11 python3.11-venv）后重试。" >&2
    exit 2
fi
"$PY" -m launcher.bootstrap || exit $?
exec .venv/bin/python -m launcher test "$@"

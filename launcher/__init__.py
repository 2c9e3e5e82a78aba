"""Start/test bootstrap: embedded PostgreSQL, private MQTT broker, process supervision (run as python -m launcher)."""

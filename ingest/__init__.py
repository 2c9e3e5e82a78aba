"""MQTT ingest service: validates device and vendor messages and stores them in PostgreSQL exactly once."""

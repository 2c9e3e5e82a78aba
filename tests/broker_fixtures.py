"""MQTT broker fixtures (placeholder until the launcher lands)."""

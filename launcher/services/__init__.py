"""Services the launcher runs for the platform: PostgreSQL and an MQTT broker."""

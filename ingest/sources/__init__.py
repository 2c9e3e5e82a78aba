"""SQL sources (issue 8): poll other systems' tables and views into the same pipeline as MQTT messages."""

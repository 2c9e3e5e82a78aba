"""Demo traffic over MQTT (python -m ingest simulate): patrols, positions, reports, video alerts, feedback."""

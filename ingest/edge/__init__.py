"""The secured MQTT edge: Mosquitto password and ACL files generated from the registered devices."""

"""A QoS-1 publisher that never outruns paho's 16-bit message ids: unacknowledged publishes are capped and
every publish() result is checked. Used by the simulator and the benchmark."""
from __future__ import annotations

import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ingest.config import parse_mqtt_url

UNSUPPORTED_PROTOCOL = 132


class PublishError(RuntimeError):
    pass


class Publisher:
    def __init__(self, url: str, client_id: str, max_outstanding: int = 1000):
        self.endpoint = parse_mqtt_url(url)
        self.client_id = client_id
        self.max_outstanding = max_outstanding
        self.protocol = mqtt.MQTTv5
        self._cond = threading.Condition()
        self._outstanding = 0
        self._connected = threading.Event()
        self._refused_v5 = threading.Event()
        self.client = self._build()

    def _build(self) -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=self.protocol)
        if self.endpoint.username:
            client.username_pw_set(self.endpoint.username, self.endpoint.password)
        if self.endpoint.tls:
            client.tls_set()
        client.max_inflight_messages_set(self.max_outstanding)
        client.max_queued_messages_set(0)
        client.on_connect = self._on_connect
        client.on_disconnect = lambda *a: self._connected.clear()
        client.on_publish = self._on_publish
        return client

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            if reason_code.value == UNSUPPORTED_PROTOCOL:
                self._refused_v5.set()
            return
        self._connected.set()

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        with self._cond:
            self._outstanding -= 1
            self._cond.notify_all()

    def connect(self, timeout: float = 15.0) -> None:
        """Connect (MQTT v5, else 3.1.1 when the broker refuses v5) and start the network thread."""
        self.client.connect_async(self.endpoint.host, self.endpoint.port, 30)
        self.client.loop_start()
        deadline = time.monotonic() + timeout
        while not self._connected.wait(0.1):
            if self._refused_v5.is_set() and self.protocol == mqtt.MQTTv5:
                self.client.loop_stop()
                self.protocol = mqtt.MQTTv311
                self.client = self._build()
                self.client.connect_async(self.endpoint.host, self.endpoint.port, 30)
                self.client.loop_start()
            if time.monotonic() > deadline:
                raise PublishError(f"no CONNACK from {self.endpoint.host}:{self.endpoint.port}")

    def publish(self, topic: str, payload: bytes, sent_at_ms: int | None = None, qos: int = 1) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._outstanding < self.max_outstanding)
            if qos:
                self._outstanding += 1
        props = None
        if sent_at_ms is not None and self.protocol == mqtt.MQTTv5:
            props = Properties(PacketTypes.PUBLISH)
            props.UserProperty = [("sent_at", str(sent_at_ms))]
        info = self.client.publish(topic, payload, qos=qos, properties=props)
        # NO_CONN: paho keeps a QoS-1 message queued and sends it after reconnecting.
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            if qos:
                with self._cond:
                    self._outstanding -= 1
            raise PublishError(mqtt.error_string(info.rc))

    def flush(self, timeout: float = 60.0) -> bool:
        """Wait until the broker acknowledged everything published."""
        with self._cond:
            return self._cond.wait_for(lambda: self._outstanding <= 0, timeout)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

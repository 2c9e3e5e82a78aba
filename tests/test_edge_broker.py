"""Mosquitto started from deploy/mosquitto/mosquitto.conf with the generated password and ACL files: each account
publishes only under its own identity, bad credentials are refused, TLS works, rotation cuts the old password."""
from __future__ import annotations

import json

from ingest.config import IngestSettings
from launcher.services.broker import mqtt_ready
from tests.test_edge_support import (  # noqa: F401 - `edge` is a fixture
    CAMERA, NOT_AUTHORIZED, OTHER_CAMERA, connect, edge, generate, ingest_subscriber, secrets,
)

# (publisher, topic, allowed): every account against its own topic and others'.
MATRIX = [
    ("ZD-S001", f"grid/v1/video/{CAMERA}/alert", False),          # a terminal posing as a camera
    ("ZD-S001", "grid/v1/terminal/S002/position", False),         # ...as another grid worker
    ("ZD-S001", "grid/v1/dept/D01/feedback", False),
    ("ZD-S001", "grid/v1/terminal/S001/report", True),
    (CAMERA, f"grid/v1/video/{OTHER_CAMERA}/alert", False),       # a camera posing as another camera
    (CAMERA, "grid/v1/terminal/S001/position", False),
    (CAMERA, "grid/v1/video/CAM-ALIAS/alert", True),              # its registered alias
    ("dept-D01", "grid/v1/dept/D02/feedback", False),
    ("alice", "owntracks/bob/phone", False),
    ("alice", "owntracks/alice/phone/event", True),
    ("ingest", f"grid/v1/video/{CAMERA}/alert", False),           # the reader cannot write
]
OWN_TOPIC = {"ZD-S001": "grid/v1/terminal/S001/position", CAMERA: f"grid/v1/video/{CAMERA}/alert",
             "dept-D01": "grid/v1/dept/D01/feedback", "alice": "owntracks/alice/phone"}


def test_each_account_publishes_only_under_its_own_identity(edge):
    sub = ingest_subscriber(edge)
    publishers = {name: connect(edge, name) for name in {p for p, _, _ in MATRIX}}
    assert all(p.connected() == "Success" for p in publishers.values())
    mids = {}
    for n, (name, topic, _) in enumerate(MATRIX):
        mids[n] = publishers[name].publish(topic, json.dumps({"n": n}).encode())
    # Last, each publisher sends on its own topic. Mosquitto forwards one client's messages in order, so once
    # these sentinels have arrived, anything it had forwarded from the earlier publishes would be here too.
    for name in OWN_TOPIC:
        publishers[name].publish(OWN_TOPIC[name], b"sentinel")
    assert sub.wait(lambda s: sum(p == b"sentinel" for _, p in s.received) == len(OWN_TOPIC)), edge[0].log()
    got = {json.loads(p)["n"] for _, p in sub.received if p != b"sentinel"}
    assert got == {n for n, (_, _, allowed) in enumerate(MATRIX) if allowed}
    # MQTT v5 publishers are told: the broker's PUBACK for a refused publish says "Not authorized".
    for n, (name, _, allowed) in enumerate(MATRIX):
        client = publishers[name]
        assert client.wait(lambda s: mids[n] in s.pubacks)
        assert (client.pubacks[mids[n]] == "Success") == allowed, (MATRIX[n], client.pubacks[mids[n]])
        assert allowed or client.pubacks[mids[n]] == NOT_AUTHORIZED


def test_devices_cannot_read_what_others_publish(edge):
    sub = ingest_subscriber(edge)
    spy, camera = connect(edge, "ZD-S001"), connect(edge, CAMERA)
    assert spy.connected() == camera.connected() == "Success"
    # Mosquitto 2.0 grants the subscription and filters each delivery against the ACL instead.
    spy.subscribe(["#"])
    camera.publish(f"grid/v1/video/{CAMERA}/alert", b"alert")
    assert sub.wait(lambda s: s.received)
    # The broker queued any copy for the spy when it routed the alert, before the ingest got its copy; the
    # PUBACK for the spy's next publish is queued after that copy, so once it is in, the copy would be too.
    mid = spy.publish("grid/v1/terminal/S001/position", b"own")
    assert spy.wait(lambda s: mid in s.pubacks)
    assert sub.wait(lambda s: len(s.received) == 2)
    assert spy.received == []


def test_wrong_password_unknown_user_and_anonymous_are_refused(edge):
    refused = [connect(edge, "ZD-S001", "not-the-password"), connect(edge, "ZD-NOBODY", "x"),
               connect(edge, None), connect(edge, "ZD-S001", "not-the-password", tls=True)]
    # Mosquitto 2.0 answers every failed login with the same reason, telling nothing about which part was wrong.
    assert [c.connected() for c in refused] == [NOT_AUTHORIZED] * 4
    assert connect(edge, "ZD-S001").connected() == "Success"


def test_tls_listener_carries_a_terminal_to_the_ingest(edge):
    broker = edge[0]
    assert not mqtt_ready("127.0.0.1", broker.tls_port)          # plain MQTT gets no answer on the TLS port
    sub = ingest_subscriber(edge)
    terminal = connect(edge, "ZD-S002", tls=True)
    assert terminal.connected() == "Success", broker.log()
    terminal.publish("grid/v1/terminal/S002/position", b"over-tls")
    assert sub.wait(lambda s: ("grid/v1/terminal/S002/position", b"over-tls") in s.received)


def test_packet_limit_passes_what_the_ingest_accepts_and_cuts_larger(edge):
    broker = edge[0]
    sub = ingest_subscriber(edge)
    limit = IngestSettings().max_payload
    fits, sender = connect(edge, "ZD-S001"), connect(edge, "ZD-S002")
    assert fits.connected() == sender.connected() == "Success"
    fits.publish("grid/v1/terminal/S001/report", b"x" * limit)
    assert sub.wait(lambda s: any(len(p) == limit for _, p in s.received))
    mark = len(broker.lines)
    sender.publish("grid/v1/terminal/S002/report", b"x" * (limit + 64 * 1024))
    assert sender.wait(lambda s: s.disconnected)
    assert broker.wait_line(rf"{sender.client_id} disconnected due to oversize packet", start=mark)
    # The oversized packet was refused before routing: a later message from that account arrives alone.
    again = connect(edge, "ZD-S002")
    again.publish("grid/v1/terminal/S002/status", b"online")
    assert sub.wait(lambda s: s.received[-1] == ("grid/v1/terminal/S002/status", b"online"))
    assert [len(p) for _, p in sub.received] == [limit, len(b"online")]


def test_rotation_cuts_the_old_password_and_keeps_the_others(edge, tmp_path):
    broker, before, _ = edge
    sub = ingest_subscriber(edge)
    victim = connect(edge, "ZD-S001")
    assert victim.connected() == "Success"
    generate(broker, tmp_path / "secrets.csv", "--rotate", "ZD-S001")
    after = secrets(tmp_path / "secrets.csv")
    broker.reload()
    # Mosquitto 2.0 re-checks connected clients on reload: the old session ends at once, the others stay.
    assert victim.wait(lambda s: s.disconnected), broker.log()
    assert not sub.disconnected
    assert connect(edge, "ZD-S001", before["ZD-S001"]).connected() not in (None, "Success")
    assert connect(edge, "ZD-S001", after["ZD-S001"]).connected() == "Success"
    assert {u: p for u, p in after.items() if u != "ZD-S001"} == {u: p for u, p in before.items() if u != "ZD-S001"}

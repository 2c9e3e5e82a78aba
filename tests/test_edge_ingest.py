"""The issue's proof: with Mosquitto running the generated files and the real ingest worker (`python -m ingest`)
behind it, a terminal's credentials cannot publish a camera alert, and the refused publish never reaches the
database, while the camera's own alert and the terminal's own position are stored."""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone

import psycopg2
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.test_edge_support import CAMERA, ROOT, WAIT_S, connect, edge, now  # noqa: F401 - `edge` is a fixture

# Announce every stored raw event and dead letter, so the test waits on the database itself instead of polling.
NOTIFY_SQL = """
CREATE FUNCTION edge_test_raw() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('edge_test', 'raw_events ' || NEW.source_key); RETURN NEW; END $$;
CREATE TRIGGER edge_test_raw AFTER INSERT ON raw_events FOR EACH ROW EXECUTE FUNCTION edge_test_raw();
CREATE FUNCTION edge_test_dead() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('edge_test', 'dead_letters ' || NEW.reason); RETURN NEW; END $$;
CREATE TRIGGER edge_test_dead AFTER INSERT ON dead_letters FOR EACH ROW EXECUTE FUNCTION edge_test_dead();
"""


@pytest.fixture
def notices(engine, db_url):
    """A LISTENing connection; the triggers live in this test's own fresh database."""
    with engine.begin() as c:
        c.execute(text(NOTIFY_SQL))
    pg = psycopg2.connect(make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False))
    pg.autocommit = True
    pg.cursor().execute("LISTEN edge_test")
    yield pg
    pg.close()


def wait_notice(pg, prefix: str, seen: list[str], timeout: float = WAIT_S) -> bool:
    """Block on the connection's socket until a notice starting with prefix arrives; every notice goes to seen."""
    deadline = time.monotonic() + timeout
    while True:
        pg.poll()
        while pg.notifies:
            seen.append(pg.notifies.pop(0).payload)
        if any(s.startswith(prefix) for s in seen):
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        select.select([pg], [], [], remaining)


@pytest.fixture
def ingest_worker(edge, db_url, tmp_path):
    """`python -m ingest` as a subprocess with the ingest account, ready once the broker logged its subscriptions."""
    broker, creds, _ = edge
    worker_id = f"edge-test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, DATABASE_URL=db_url, INGEST_WORKER_ID=worker_id, INGEST_BATCH_MS="50",
               MQTT_URL=f"mqtt://ingest:{creds['ingest']}@127.0.0.1:{broker.port}")
    log = tmp_path / "ingest.log"
    mark = len(broker.lines)
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ingest"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        if not broker.wait_line(rf"{worker_id} 1 \$share/ingest/gb28181/\+/alarm", start=mark, timeout=60):
            pytest.fail("ingest worker did not subscribe:\n" + log.read_text()[-3000:] + broker.log())
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def alert(alert_id: str) -> bytes:
    return json.dumps({"id": alert_id, "ts": now(), "type": "fire", "score": 0.9}).encode()


def test_rejected_publish_never_reaches_the_database(edge, ingest_worker, notices, engine):
    camera, terminal = connect(edge, CAMERA), connect(edge, "ZD-S001")
    assert camera.connected() == terminal.connected() == "Success"
    seen: list[str] = []
    # Positive control for the alert path: the camera's own alert on its own topic is stored.
    camera.publish(f"grid/v1/video/{CAMERA}/alert", alert("own-1"))
    assert wait_notice(notices, f"raw_events video:{CAMERA}:own-1", seen), (seen, edge[0].log())
    # The same, well-formed alert from the terminal's credentials: the broker refuses it...
    mid = terminal.publish(f"grid/v1/video/{CAMERA}/alert", alert("forged-1"))
    assert terminal.wait(lambda s: mid in s.pubacks) and terminal.pubacks[mid] == "Not authorized"
    # ...and the terminal's own position right after it is stored. One client's messages reach the ingest in
    # order and the ingest commits in order, so once the position is in, the alert would be in too. The payload
    # also claims to be another grid worker: the identity comes from the topic, which the ACL vouches for.
    ts = datetime.now(timezone.utc)
    position = {"ts": ts.isoformat(), "lon": 120.1, "lat": 30.2, "staff": "S002", "staff_code": "S002"}
    terminal.publish("grid/v1/terminal/S001/position", json.dumps(position).encode())
    assert wait_notice(notices, "raw_events position:S001:", seen), (seen, edge[0].log())
    with engine.connect() as c:
        keys = set(c.execute(text("SELECT source_key FROM raw_events")).scalars())
        dead = c.execute(text("SELECT count(*) FROM dead_letters")).scalar_one()
        alerts = set(c.execute(text("SELECT alert_key FROM alerts")).scalars())
        who = c.execute(text("SELECT s.code FROM raw_events r JOIN staff s ON s.id = r.staff_id "
                             "WHERE r.kind = 'position'")).scalars().all()
    assert keys == {f"video:{CAMERA}:own-1", f"position:S001:{round(ts.timestamp() * 1000)}"}, seen
    assert dead == 0 and not any("forged" in k for k in alerts | keys)
    assert who == ["S001"]

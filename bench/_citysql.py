"""SQL that fills the city-sized benchmark database (fixture rows made in the server by INSERT … SELECT).

Parameters (psycopg2 pyformat): now, days, cases, raw_events, position_days, seed. Every statement is
deterministic for one seed and one `now`: random() follows setseed() within its connection. Times are anchored
to `now` so "today", "this month" and "the last 30 minutes" hold data whenever the benchmark runs.
"""
from __future__ import annotations

from db import staff_time

LOCAL = "'Asia/Shanghai'"

# --- people and devices ----------------------------------------------------------------------------------
# 1,250 patrollers hold grids 2i-1 and 2i (A) and the next pair (B); one manager per community holds all its
# grids (A); supervisors, police and assistants hold none. Everyone carries a terminal and reports positions.
STAFF = """
INSERT INTO staff (id, code, name, phone, role, area_code, active)
SELECT i, 'S' || lpad(i::text, 5, '0'),
  substr('陈林黄郑张王李吴刘蔡杨许何郭罗周谢徐曾赵', 1 + mod(i * 7, 20), 1)
    || substr('伟强磊军勇杰涛斌超明辉鹏华芳娟敏静丽艳娜霞秀玲婷雪琳', 1 + mod(i * 13, 28), 1)
    || CASE WHEN mod(i, 3) = 0 THEN '' ELSE substr('国平志刚俊峰文凯晶颖慧莉萍红梅燕', 1 + mod(i * 11, 16), 1) END,
  '13' || lpad((mod(i::bigint * 7919, 1000000000))::text, 9, '0'),
  CASE WHEN i <= %(patrollers)s THEN 'patroller'
       WHEN i <= %(patrollers)s + %(communities)s THEN 'manager'
       WHEN mod(i, 3) = 0 THEN 'supervisor' WHEN mod(i, 3) = 1 THEN 'police' ELSE 'assistant' END,
  CASE WHEN i <= %(patrollers)s THEN (SELECT area_code FROM grids WHERE id = 2 * i - 1)
       WHEN i <= %(patrollers)s + %(communities)s THEN
         (SELECT code FROM areas WHERE level = 'community' ORDER BY code OFFSET i - %(patrollers)s - 1 LIMIT 1)
       ELSE (SELECT code FROM areas WHERE level = 'street' ORDER BY code OFFSET mod(i, 6) LIMIT 1) END,
  true
FROM generate_series(1, %(staff)s) i
"""

STAFF_GRIDS = """
INSERT INTO staff_grids (staff_id, grid_id, duty)
SELECT s, g, duty FROM (
  SELECT s, 2 * s - 1 AS g, 'A' AS duty FROM generate_series(1, %(patrollers)s) s
  UNION ALL SELECT s, 2 * s, 'A' FROM generate_series(1, %(patrollers)s) s
  UNION ALL SELECT s, 1 + mod(2 * s, %(grids)s), 'B' FROM generate_series(1, %(patrollers)s) s
  UNION ALL SELECT s, 1 + mod(2 * s + 1, %(grids)s), 'B' FROM generate_series(1, %(patrollers)s) s
  UNION ALL SELECT st.id, g.id, 'A' FROM staff st JOIN grids g ON g.area_code = st.area_code
    WHERE st.role = 'manager'
) x WHERE g <= %(grids)s
ON CONFLICT DO NOTHING
"""

DEVICES = """
INSERT INTO devices (id, kind, code, name, lon, lat, grid_id, status, vendor, status_at)
SELECT i, 'camera', '35010200001320' || lpad(i::text, 6, '0'), g.name || '监控' || (1 + (i - 1) / %(grids)s),
  g.center_lon + (random() - 0.5) * (g.max_lon - g.min_lon) * 0.5,
  g.center_lat + (random() - 0.5) * (g.max_lat - g.min_lat) * 0.5, g.id,
  CASE WHEN random() < 0.94 THEN 'online' WHEN random() < 0.7 THEN 'offline' ELSE 'fault' END, 'bench',
  %(now)s::timestamptz - random() * interval '1 hour'
FROM generate_series(1, %(cameras)s) i JOIN grids g ON g.id = 1 + mod(i - 1, %(grids)s);
INSERT INTO devices (id, kind, code, name, staff_id, status, vendor, status_at)
SELECT %(cameras)s + id, 'terminal', 'T' || lpad(id::text, 6, '0'), '终端' || code, id, 'online', 'bench', %(now)s FROM staff
"""

USERS = """
INSERT INTO users (username, display_name, role, active)
VALUES ('bench_admin', '基准管理员', 'admin', true), ('bench_wall', '基准大屏', 'wall', true),
       ('bench_dispatcher', '基准指挥长', 'dispatcher', true), ('bench_operator', '基准值班员', 'operator', true),
       ('bench_leader', '基准领导', 'leader', true)
"""

# Where each person is: patrollers walk their two own grids (alternating by the hour) and step into a
# neighbouring grid for about one slot in five; the others stay around one grid.
STAFF_HOMES = """
CREATE TEMP TABLE homes AS
SELECT s.id AS staff_id, g1.id AS g1, g2.id AS g2, ga.id AS ga,
  g1.center_lon AS lon1, g1.center_lat AS lat1, (g1.max_lon - g1.min_lon) * 0.3 AS w1, (g1.max_lat - g1.min_lat) * 0.3 AS h1,
  g2.center_lon AS lon2, g2.center_lat AS lat2, (g2.max_lon - g2.min_lon) * 0.3 AS w2, (g2.max_lat - g2.min_lat) * 0.3 AS h2,
  ga.center_lon AS lona, ga.center_lat AS lata
FROM staff s
JOIN LATERAL (SELECT CASE WHEN s.role = 'patroller' THEN 2 * s.id - 1
                          ELSE COALESCE((SELECT min(grid_id) FROM staff_grids WHERE staff_id = s.id),
                                        1 + mod(s.id * 37, %(grids)s)) END AS a) h ON true
JOIN grids g1 ON g1.id = h.a
JOIN grids g2 ON g2.id = CASE WHEN s.role = 'patroller' THEN 2 * s.id ELSE h.a END
JOIN grids ga ON ga.id = 1 + mod(h.a + 49, %(grids)s)
"""

# One fix every 20 s from 08:00 to 18:00 local on each of the last `position_days` days, none in the future,
# written in time order as terminals report them (the lateral joins fix the loop order: day, slot, person).
POSITIONS = """
INSERT INTO positions (staff_id, ts, lon, lat, acc, batt, crs, grid_id, district_code)
SELECT h.staff_id, t.ts,
  CASE h.zone WHEN 0 THEN h.lon1 + h.w1 * sin(t.k / 41.0 + h.staff_id)
              WHEN 1 THEN h.lon2 + h.w2 * sin(t.k / 37.0 + h.staff_id) ELSE h.lona + 0.0004 * cos(t.k / 9.0) END,
  CASE h.zone WHEN 0 THEN h.lat1 + h.h1 * cos(t.k / 53.0 + h.staff_id)
              WHEN 1 THEN h.lat2 + h.h2 * cos(t.k / 47.0 + h.staff_id) ELSE h.lata + 0.0004 * sin(t.k / 9.0) END,
  5 + mod(t.k + h.staff_id, 25), (100 - t.k / 25)::smallint, 'wgs84',
  CASE h.zone WHEN 0 THEN h.g1 WHEN 1 THEN h.g2 ELSE h.ga END, %(district)s
FROM (SELECT d.n, d.day_start + interval '8 hours' + k * interval '20 seconds' AS ts, k
      FROM (SELECT n, ((date_trunc('day', %(now)s::timestamptz AT TIME ZONE {LOCAL}) - n * interval '1 day')
                       AT TIME ZONE {LOCAL}) AS day_start
            FROM generate_series(%(position_days)s - 1, 0, -1) n) d
      CROSS JOIN LATERAL generate_series(0 * d.n, 1799) k) t
CROSS JOIN LATERAL (SELECT homes.*, CASE WHEN mod(t.k / 45 + homes.staff_id + t.n, 5) = 0 THEN 2
                                         ELSE mod(t.k / 180, 2) END AS zone FROM homes) h
WHERE t.ts <= %(now)s
""".format(LOCAL=LOCAL)

POSITIONS_LATEST = """
INSERT INTO positions_latest (staff_id, ts, lon, lat, acc, batt, grid_id, online, status_at)
SELECT s.id, p.ts, p.lon, p.lat, p.acc, p.batt, p.grid_id, p.ts > %(now)s::timestamptz - interval '30 minutes', p.ts
FROM staff s CROSS JOIN LATERAL (SELECT * FROM positions WHERE staff_id = s.id ORDER BY ts DESC LIMIT 1) p
"""

# Each patroller patrols one of its own grids a day (the other one every other day): start, checkpoints, end.
PATROLS = """
INSERT INTO patrols (source_key, staff_id, grid_id, grid_code, action, ts, lon, lat)
SELECT 'patrol:' || h.staff_id || ':' || d.n || ':' || x.g || ':' || x.step, h.staff_id, x.g, gr.code, x.action,
  d.day_start + x.at, gr.center_lon, gr.center_lat
FROM homes h JOIN staff s ON s.id = h.staff_id AND s.role = 'patroller'
CROSS JOIN (SELECT n, ((date_trunc('day', %(now)s::timestamptz AT TIME ZONE {LOCAL}) - n * interval '1 day')
                       AT TIME ZONE {LOCAL}) AS day_start
            FROM generate_series(0, %(position_days)s - 1) n) d
CROSS JOIN LATERAL (VALUES (h.g1, 1, 'start', interval '8 hours 30 minutes'),
                           (h.g1, 2, 'checkpoint', interval '10 hours'),
                           (h.g1, 3, 'end', interval '11 hours'),
                           (h.g2, 1, 'start', interval '14 hours 30 minutes'),
                           (h.g2, 2, 'checkpoint', interval '15 hours 30 minutes'),
                           (h.g2, 3, 'end', interval '16 hours 30 minutes')) x(g, step, action, at)
JOIN grids gr ON gr.id = x.g
WHERE (x.g = h.g1 OR mod(d.n + h.staff_id, 2) = 0) AND d.day_start + x.at <= %(now)s
""".format(LOCAL=LOCAL)

# Raw events in arrival order over the last week: mostly positions, then terminal status, video alerts, patrol
# and report messages; a few flagged for the admin's "to map" list. The payload is the message as received.
RAW_EVENTS = """
INSERT INTO raw_events (source, kind, source_key, topic, payload, device_id, staff_id, event_at, published_at,
  received_at, flags, district_code)
SELECT 'mqtt', e.kind, 'mqtt:bench:' || i, 'grid/' || e.kind || '/' || e.who,
  convert_to('{"id":"' || e.who || '","ts":' || extract(epoch FROM e.at)::bigint || ',"lon":'
             || round((119.29 + mod(i, 997) * 1e-4)::numeric, 6) || ',"lat":'
             || round((26.08 + mod(i, 991) * 1e-4)::numeric, 6) || ',"acc":' || mod(i, 30) || ',"batt":'
             || (100 - mod(i, 90)) || '}', 'UTF8'),
  CASE WHEN e.kind = 'video_alert' THEN 1 + mod(i, %(cameras)s) END,
  CASE WHEN e.kind <> 'video_alert' THEN 1 + mod(i, %(staff)s) END, e.at - interval '1 second',
  e.at - interval '1 second', e.at,
  CASE WHEN mod(i, 997) = 0 THEN '{"unknown_device": "bench"}'::jsonb END, %(district)s
FROM generate_series(1, %(raw_events)s) i
CROSS JOIN LATERAL (
  SELECT CASE WHEN mod(i, 100) < 85 THEN 'position' WHEN mod(i, 100) < 93 THEN 'status'
              WHEN mod(i, 100) < 97 THEN 'video_alert' WHEN mod(i, 100) < 99 THEN 'patrol' ELSE 'report' END
           AS kind,
         'S' || lpad((1 + mod(i, %(staff)s))::text, 5, '0') AS who,
         %(now)s::timestamptz - interval '7 days' + (i::float8 / %(raw_events)s) * interval '7 days' AS at
) e
"""

# Two ingest workers reporting every 10 s for a week; dead letters and unknown devices for the admin page.
INGEST_HEALTH = """
INSERT INTO ingest_counters (worker, at, received, stored, duplicates, rejected, batches, lag_p50_ms, lag_p95_ms,
  lag_max_ms)
SELECT 'ingest-' || w, %(now)s::timestamptz - k * interval '10 seconds', 150 + mod(k, 40), 149 + mod(k, 40),
  mod(k, 3), mod(k, 7) / 6, 2, 40 + mod(k, 30), 120 + mod(k, 80), 300 + mod(k, 500)
FROM generate_series(1, 2) w CROSS JOIN generate_series(0, 7 * 8640 - 1) k;
INSERT INTO dead_letters (source, topic, payload, payload_size, reason, received_at, dedup_key, seen_count,
  last_seen_at, replayed_at, replay_result)
SELECT 'mqtt', 'grid/position/S' || lpad(mod(i, 1500)::text, 5, '0'),
  convert_to('{"id":"S' || mod(i, 1500) || '","lat":"bad"}', 'UTF8'), 40,
  (ARRAY['JSON 解析失败', '缺少字段 ts', '坐标超出范围', '未知的消息类型'])[1 + mod(i, 4)],
  %(now)s::timestamptz - i * interval '2 minutes', md5('dl' || i), 1 + mod(i, 3),
  %(now)s::timestamptz - i * interval '2 minutes',
  CASE WHEN mod(i, 5) = 0 THEN %(now)s::timestamptz - i * interval '1 minute' END,
  CASE WHEN mod(i, 5) = 0 THEN '已重放' END
FROM generate_series(1, 5000) i;
INSERT INTO unregistered_devices (kind, source, external_id, first_seen, last_seen, seen_count, last_topic)
SELECT (ARRAY['camera', 'staff', 'device', 'alert_type'])[1 + mod(i, 4)], 'mqtt', 'unknown-' || i,
  %(now)s::timestamptz - i * interval '1 hour', %(now)s::timestamptz - i * interval '1 minute', 1 + i,
  'grid/other/' || i
FROM generate_series(1, 300) i
"""

# The grid-time rollup of every generated fix (the load bypasses the positions trigger: replication role).
GRID_TIME = staff_time.BACKFILL

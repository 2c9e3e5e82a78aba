"""SQL for the benchmark's case history: a year of cases with their steps, alerts, whistles and requests.

One plan row per case draws its fate and the moment of every step (natural minutes: a fixture, not the
working-time clock); what lies after `now` has not happened yet, so the cases of the last days stay open at
whatever step they reached. Fates: self-handled on the spot, rejected, cancelled, merged into another case,
parked (挂账), and the full loop report → accept → file → dispatch → sign → start → feedback → check → verify →
close, with progress notes, postponements and a late tail.
"""
from __future__ import annotations

LOCAL = "'Asia/Shanghai'"

CATS = """
CREATE TEMP TABLE cats AS
SELECT row_number() OVER (ORDER BY c.id) AS n, c.id, c.name, c.urgent, c.clock_mode, c.work_kind,
  COALESCE(c.limit_handle_min, 480) AS handle_min, COALESCE(c.limit_filing_min, 30) AS filing_min,
  COALESCE(c.limit_dispatch_min, 30) AS dispatch_min, COALESCE(c.limit_sign_min, 60) AS sign_min,
  COALESCE(c.limit_check_min, 60) AS check_min, c.default_dept_id
FROM categories c JOIN category_versions v ON v.id = c.version_id AND v.active WHERE c.level <> 'major';
CREATE TEMP TABLE depts AS
SELECT row_number() OVER (ORDER BY id) AS n, id, tier, COALESCE(checkin_minutes, 240) AS checkin FROM departments;
CREATE TEMP TABLE grid_pick AS
SELECT g.id, g.center_lon, g.center_lat, g.max_lon - g.min_lon AS w, g.max_lat - g.min_lat AS h, g.area_code,
  a.parent_code AS street_code, g.name, s.name AS street_name
FROM grids g JOIN areas a ON a.code = g.area_code JOIN areas s ON s.code = a.parent_code;
"""

# Arrival times: mostly 07:00–22:00 local, over `days` days up to now; ids follow arrival order.
ARRIVALS = """
CREATE TEMP TABLE arrivals AS
SELECT CASE WHEN t > %(now)s::timestamptz THEN t - interval '1 day' ELSE t END AS t0
FROM (SELECT ((date_trunc('day', %(now)s::timestamptz AT TIME ZONE {LOCAL}) - floor(random() * %(days)s) * interval '1 day'
               + CASE WHEN random() < 0.92 THEN interval '7 hours' + random() * interval '15 hours'
                      ELSE random() * interval '24 hours' END) AT TIME ZONE {LOCAL}) AS t
      FROM generate_series(1, %(cases)s)) x
""".format(LOCAL=LOCAL)

PLAN = """
CREATE TEMP TABLE plan AS
WITH a AS (
  SELECT row_number() OVER (ORDER BY t0) AS id, t0,
    row_number() OVER (PARTITION BY (t0 AT TIME ZONE {LOCAL})::date ORDER BY t0) AS day_seq,
    random() AS r_src, random() AS r_fate, random() AS r_self, random() AS r_cat, random() AS r_grid,
    random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6, random() AS r7,
    random() AS r8, random() AS r9, random() AS r_opt, random() AS r_dept, random() AS r_sat
  FROM arrivals
), b AS (
  SELECT a.*, c.id AS category_id, c.name AS title, c.urgent, c.clock_mode, c.work_kind, c.default_dept_id,
    c.filing_min, c.dispatch_min, c.sign_min, c.check_min,
    c.handle_min * CASE WHEN c.clock_mode = 'natural' THEN 1 ELSE 3 END AS hm,
    CASE WHEN r_src < 0.42 THEN 'grid_worker' WHEN r_src < 0.72 THEN 'video' WHEN r_src < 0.88 THEN 'hotline'
         WHEN r_src < 0.94 THEN 'public' WHEN r_src < 0.97 THEN 'superior' ELSE 'department' END AS source,
    CASE WHEN r_fate < 0.04 THEN 'reject' WHEN r_fate < 0.055 THEN 'cancel' WHEN r_fate < 0.065 THEN 'merge'
         WHEN r_fate < 0.0653 THEN 'park' ELSE 'main' END AS fate0,
    r6 < 0.05 AS late, r6 >= 0.05 AND r6 < 0.09 AS postpone, r4 < 0.02 AS sign_late, r_opt < 0.25 AS progress,
    r_opt > 0.92 AS whistled
  FROM a JOIN cats c ON c.n = 1 + floor(a.r_cat * (SELECT count(*) FROM cats))
), t AS (
  SELECT b.*,
    CASE WHEN source = 'grid_worker' AND r_self < 0.25 THEN 'self' WHEN fate0 = 'merge' AND id = 1 THEN 'main'
         ELSE fate0 END AS fate,
    t0 + (CASE WHEN urgent THEN 1 + 5 * r1 ELSE 2 + 13 * r1 END) * interval '1 minute' AS a1
  FROM b
), u AS (
  SELECT t.*, a1 + (1 + 8 * r2) * interval '1 minute' AS a2 FROM t
), v AS (
  SELECT u.*, a2 + (3 + 0.6 * dispatch_min * r3) * interval '1 minute' AS a3 FROM u
), w AS (
  SELECT v.*,
    a3 + sign_min * CASE WHEN sign_late THEN 1.1 + 1.4 * r4 ELSE 0.05 + 0.75 * r4 END * interval '1 minute' AS a4,
    a3 + hm * CASE WHEN postpone THEN 1.5 ELSE 1 END * interval '1 minute' AS hd,
    hm * CASE WHEN late THEN 1.05 + 0.75 * r7 WHEN postpone THEN 1.1 + 0.3 * r7
              ELSE 0.1 + 0.85 * (r7 + r5) / 2 END AS handle_used
  FROM v
), x AS (
  SELECT w.*, a4 + (5 + 55 * r5) * interval '1 minute' AS a5 FROM w
), y AS (
  SELECT x.*, greatest(a3 + handle_used * interval '1 minute', a5 + interval '10 minutes') AS a6 FROM x
), z AS (
  SELECT y.*, a6 + (10 + 50 * r8) * interval '1 minute' AS a7 FROM y
)
SELECT z.id, to_char(z.t0 AT TIME ZONE {LOCAL}, 'YYYYMMDD') || '-' || lpad(z.day_seq::text, 4, '0') AS code,
  z.t0, z.source, z.fate, z.category_id, z.title, z.urgent, z.clock_mode, z.work_kind,
  CASE WHEN z.urgent THEN 1 + floor(z.r9 * 2)::int WHEN z.r9 < 0.05 THEN 2 WHEN z.r9 < 0.85 THEN 3 ELSE 4 END
    AS urgency,
  CASE WHEN z.default_dept_id IS NOT NULL AND z.r_dept > 0.1 THEN z.default_dept_id ELSE d.id END AS dept_id,
  g.id AS grid_id, g.center_lon + (z.r1 - 0.5) * g.w * 0.6 AS lon, g.center_lat + (z.r2 - 0.5) * g.h * 0.6 AS lat,
  g.area_code AS community_code, g.street_code, g.street_name || g.name AS address,
  z.filing_min, z.dispatch_min, z.sign_min, z.check_min, z.late OR z.sign_late AS late, z.postpone, z.progress,
  z.whistled, z.r_sat, z.r1, z.r3, z.r5, z.r7, z.r8, z.a1, z.a2, z.a3, z.a4, z.a5, z.a6, z.a7,
  z.a7 + (20 + 180 * z.r9) * interval '1 minute' AS a8, z.hd
FROM z JOIN grid_pick g ON g.id = 1 + floor(z.r_grid * (SELECT count(*) FROM grid_pick))::int
JOIN depts d ON d.n = 1 + mod(floor(z.r_dept * 1000)::int, (SELECT count(*) FROM depts)::int)
""".format(LOCAL=LOCAL)


# Every step a case can take, in order: (seq, action, from, to, started, ends, deadline, limit, department's,
# applies). Events start and end at once; the step that has not ended by now is the open one.
_MIN = "* interval '1 minute'"
STEP_TEMPLATE = f"""
CROSS JOIN LATERAL (SELECT p.progress::int AS pg, (p.postpone AND p.fate = 'main')::int AS pp) o
CROSS JOIN LATERAL (VALUES
  (1, 'report', NULL, 'reported', p.t0, CASE p.fate WHEN 'self' THEN p.t0 + 1 {_MIN}
     WHEN 'merge' THEN p.t0 + 5 {_MIN} ELSE p.a1 END, p.t0 + p.filing_min {_MIN}, p.filing_min, false, true),
  (2, 'self_handle', 'reported', 'closed', p.t0 + 1 {_MIN}, p.t0 + 1 {_MIN}, NULL, NULL, false, p.fate = 'self'),
  (2, 'merge_into', 'reported', 'cancelled', p.t0 + 5 {_MIN}, p.t0 + 5 {_MIN}, NULL, NULL, false,
     p.fate = 'merge'),
  (2, 'accept', 'reported', 'accepted', p.a1, p.a2, p.t0 + p.filing_min {_MIN}, p.filing_min, false,
     p.fate NOT IN ('self', 'merge')),
  (3, 'reject', 'accepted', 'rejected', p.a2, p.a2, NULL, NULL, false, p.fate = 'reject'),
  (3, 'file', 'accepted', 'filed', p.a2, CASE WHEN p.fate = 'cancel' THEN p.a2 + 30 {_MIN} ELSE p.a3 END,
     p.a2 + p.dispatch_min {_MIN}, p.dispatch_min, false, p.fate IN ('main', 'park', 'cancel')),
  (4, 'request_cancel', 'filed', 'filed', p.a2 + 10 {_MIN}, p.a2 + 10 {_MIN}, NULL, NULL, false,
     p.fate = 'cancel'),
  (5, 'approve_cancel', 'filed', 'cancelled', p.a2 + 30 {_MIN}, p.a2 + 30 {_MIN}, NULL, NULL, false,
     p.fate = 'cancel'),
  (4, 'dispatch', 'filed', 'dispatched', p.a3, p.a4, p.a3 + p.sign_min {_MIN}, p.sign_min, true,
     p.fate IN ('main', 'park')),
  (5, 'sign', 'dispatched', 'signed', p.a4, p.a5, greatest(p.hd, p.a4), NULL, true, p.fate IN ('main', 'park')),
  (6, 'start', 'signed', 'handling', p.a5, CASE WHEN p.fate = 'park' THEN p.a5 + interval '1 day' ELSE p.a6 END,
     greatest(p.hd, p.a5), NULL, true, p.fate IN ('main', 'park')),
  (7, 'approve_park', 'handling', 'parked', p.a5 + interval '1 day', NULL, NULL, NULL, false, p.fate = 'park'),
  (7, 'progress', 'handling', 'handling', p.a5 + (p.a6 - p.a5) * 0.3, p.a5 + (p.a6 - p.a5) * 0.3, NULL, NULL,
     true, p.fate = 'main' AND p.progress),
  (7 + o.pg, 'request_postpone', 'handling', 'handling', p.a5 + (p.a6 - p.a5) * 0.5,
     p.a5 + (p.a6 - p.a5) * 0.5, NULL, NULL, true, o.pp = 1),
  (8 + o.pg, 'approve_postpone', 'handling', 'handling', p.a5 + (p.a6 - p.a5) * 0.55,
     p.a5 + (p.a6 - p.a5) * 0.55, NULL, NULL, false, o.pp = 1),
  (7 + o.pg + 2 * o.pp, 'feedback', 'handling', 'feedback', p.a6, p.a7, p.a6 + p.check_min {_MIN}, p.check_min,
     true, p.fate = 'main'),
  (8 + o.pg + 2 * o.pp, 'check', 'feedback', 'checking', p.a7, p.a8, p.a7 + 4 * p.check_min {_MIN}, NULL, false,
     p.fate = 'main'),
  (9 + o.pg + 2 * o.pp, 'verify', 'checking', 'checking', p.a7 + (p.a8 - p.a7) / 2, p.a7 + (p.a8 - p.a7) / 2,
     NULL, NULL, false, p.fate = 'main'),
  (10 + o.pg + 2 * o.pp, 'close', 'checking', 'closed', p.a8, p.a8, NULL, NULL, false, p.fate = 'main')
) st(seq, action, from_state, to_state, started_at, ends_at, deadline_at, limit_minutes, by_dept, applies)
WHERE st.applies AND st.started_at <= %(now)s"""

STEPS = f"""
INSERT INTO case_steps (case_id, seq, action, from_state, to_state, actor_role, actor_name, dept_id, level,
  started_at, deadline_at, warning_at, ended_at, limit_minutes, working_minutes, note, detail)
SELECT p.id, st.seq, st.action, st.from_state, st.to_state,
  CASE WHEN st.by_dept THEN 'department' WHEN st.action = 'self_handle' THEN 'grid_worker'
       WHEN st.action IN ('dispatch', 'close', 'approve_cancel', 'approve_park', 'approve_postpone')
       THEN 'dispatcher' ELSE 'operator' END,
  CASE WHEN st.by_dept THEN '责任部门' WHEN st.action = 'self_handle' THEN '网格员' ELSE '指挥中心' END,
  CASE WHEN st.by_dept THEN p.dept_id END, 'grid', st.started_at, st.deadline_at,
  st.started_at + (st.deadline_at - st.started_at) * 0.75,
  CASE WHEN st.ends_at <= %(now)s THEN st.ends_at END, st.limit_minutes,
  CASE WHEN st.ends_at <= %(now)s THEN
    CASE WHEN st.to_state IN ('dispatched', 'signed', 'handling')
         THEN round(extract(epoch FROM st.ends_at - st.started_at) / 180)::int ELSE 0 END END,
  CASE st.action WHEN 'progress' THEN '已到现场，正在处置' WHEN 'request_postpone' THEN '需协调多部门，申请延期'
                 WHEN 'feedback' THEN '已处置完毕' END,
  CASE WHEN st.action IN ('accept', 'file', 'dispatch', 'sign', 'start', 'feedback')
       THEN '{{"prev_late": false}}'::jsonb END
FROM plan p {STEP_TEMPLATE}
"""

# Case columns from the same template: state of the last step, deadline of the open one.
CASES = f"""
INSERT INTO cases (id, code, source, source_ref, state, level, work_kind, urgency, category_id, title, description,
  address, lon, lat, grid_id, community_code, street_code, district_code, reporter_name, reporter_phone,
  dept_id, clock_mode, calendar_code, reported_at, accepted_at, filed_at, dispatched_at, closed_at, close_type,
  step_deadline_at, step_warning_at, handle_deadline_at, satisfaction, postpone_count, merged_into_id, version,
  created_at, updated_at)
SELECT p.id, p.code, p.source, CASE WHEN p.source = 'hotline' THEN '12345-' || p.id END, s.state, 'grid',
  p.work_kind, p.urgency, p.category_id, p.title,
  CASE p.source WHEN 'grid_worker' THEN '网格员巡查发现' WHEN 'video' THEN '视频智能分析告警' ELSE '群众反映' END,
  p.address, p.lon, p.lat, p.grid_id, p.community_code, p.street_code, %(district)s,
  CASE WHEN p.source IN ('hotline', 'public') THEN substr('陈林黄郑张王李吴刘蔡', 1 + mod(p.id, 10)::int, 1)
    || CASE WHEN mod(p.id, 2) = 0 THEN '先生' ELSE '女士' END END,
  CASE WHEN p.source IN ('hotline', 'public') THEN '13' || lpad(mod(p.id * 7919, 1000000000)::text, 9, '0') END,
  CASE WHEN s.dispatched THEN p.dept_id END, p.clock_mode, 'CN', p.t0,
  CASE WHEN s.accepted THEN p.a1 END, CASE WHEN s.filed THEN p.a2 END, CASE WHEN s.dispatched THEN p.a3 END,
  CASE WHEN s.state = 'closed' THEN s.last_at END,
  CASE WHEN s.state = 'closed' THEN CASE WHEN p.late AND p.fate = 'main' THEN 'late' ELSE 'normal' END END,
  s.deadline, s.warning, CASE WHEN s.dispatched THEN p.hd END,
  CASE WHEN s.state = 'closed' AND p.fate = 'main' THEN
    CASE WHEN p.r_sat < CASE WHEN p.late THEN 0.3 ELSE 0.66 END THEN 5 WHEN p.r_sat < 0.94 THEN 4
         WHEN p.r_sat < 0.98 THEN 3 ELSE 2 END END,
  s.postponed, CASE WHEN p.fate = 'merge' THEN p.id - 1 END, s.version, p.t0, s.last_at
FROM plan p CROSS JOIN LATERAL (
  SELECT (array_agg(st.to_state ORDER BY st.seq DESC))[1] AS state,
    max(st.deadline_at) FILTER (WHERE st.ends_at IS NULL OR st.ends_at > %(now)s) AS deadline,
    max(st.started_at + (st.deadline_at - st.started_at) * 0.75)
      FILTER (WHERE st.ends_at IS NULL OR st.ends_at > %(now)s) AS warning,
    max(st.started_at) AS last_at, count(*) AS version, bool_or(st.action = 'accept') AS accepted,
    bool_or(st.action = 'file') AS filed, bool_or(st.action = 'dispatch') AS dispatched,
    count(*) FILTER (WHERE st.action = 'approve_postpone') AS postponed
  FROM (VALUES (1)) one(x) {STEP_TEMPLATE}
) s
"""

# Video cases: one to four alerts from the grid's cameras (the same thing seen again), plus alerts that stayed
# below their type's threshold (no case).
ALERTS = """
CREATE TEMP TABLE types AS SELECT row_number() OVER (ORDER BY code) AS n, code, min_score FROM alert_types;
INSERT INTO alerts (alert_key, camera_id, camera_ref, alert_type, score, priority, lon, lat, grid_id, snapshot_url,
  vendor, event_at, case_id, below_threshold, received_at, district_code)
SELECT d.code || ':' || p.id || ':' || k, d.id, d.code, t.code,
  round((t.min_score + (0.99 - t.min_score) * random())::numeric, 2), 3, p.lon, p.lat, p.grid_id,
  '/snapshots/' || d.code || '/' || p.id || '-' || k || '.jpg', 'bench', p.t0 + (k - 1) * interval '4 minutes',
  CASE WHEN k > 0 THEN p.id END, k = 0, p.t0 + (k - 1) * interval '4 minutes' + interval '2 seconds', %(district)s
FROM plan p
CROSS JOIN LATERAL generate_series(CASE WHEN p.r8 < 0.15 THEN 0 ELSE 1 END, 1 + floor(p.r3 * 4)::int) k
JOIN devices d ON d.id = p.grid_id + %(grids)s * mod(p.id + k, %(cams_per_grid)s)
JOIN types t ON t.n = 1 + mod(p.id, (SELECT count(*) FROM types))
WHERE p.source = 'video' AND p.t0 + (k - 1) * interval '4 minutes' <= %(now)s
"""

# 中心吹哨: about one dispatched case in twelve, a lead and one to three co-handling departments that check in
# within their tier's limit (a late tail), the lead reporting its result at feedback.
WHISTLES = """
CREATE TEMP TABLE wplan AS
SELECT p.id AS case_id, p.a3 AS raised_at, p.dept_id, CASE WHEN p.a6 <= %(now)s THEN p.a6 END AS result_at,
  CASE WHEN p.a8 <= %(now)s THEN p.a8 END AS closed_at, 1 + floor(p.r7 * 3)::int AS co,
  (ARRAY['beyond_power', 'enforcement', 'emergency'])[1 + floor(p.r5 * 3)::int] AS reason
FROM plan p WHERE p.fate = 'main' AND p.whistled AND p.a3 <= %(now)s;
INSERT INTO whistles (case_id, reason, state, raised_at, closed_at)
SELECT case_id, reason, CASE WHEN closed_at IS NULL THEN 'open' ELSE 'closed' END, raised_at, closed_at
FROM wplan ORDER BY case_id;
INSERT INTO whistle_departments (whistle_id, dept_id, role, deadline_at, checked_in_at, checkin_late, result_at)
SELECT w.id, x.dept_id, x.role, w.raised_at + x.lim * interval '1 minute',
  CASE WHEN x.checked <= %(now)s THEN x.checked END, CASE WHEN x.checked <= %(now)s THEN x.late END,
  CASE WHEN x.role = 'lead' THEN p.result_at END
FROM whistles w JOIN wplan p ON p.case_id = w.case_id
CROSS JOIN LATERAL (
  SELECT d.id AS dept_id, CASE WHEN k = 0 THEN 'lead' ELSE 'co' END AS role, l.lim, r.u < 0.08 AS late,
    w.raised_at + l.lim * CASE WHEN r.u < 0.08 THEN 1.1 + 10 * r.u ELSE 0.2 + 0.7 * r.u END * interval '1 minute'
      AS checked
  FROM generate_series(0, p.co) k
  JOIN depts d ON d.n = 1 + mod((SELECT n FROM depts WHERE id = p.dept_id) - 1 + 7 * k, (SELECT count(*) FROM depts))
  CROSS JOIN LATERAL (SELECT CASE d.tier WHEN 1 THEN 30 WHEN 2 THEN 120 ELSE d.checkin END AS lim) l
  CROSS JOIN LATERAL (SELECT random() + 0 * k AS u) r      -- correlated: one draw per row, not one in all
) x
"""

REQUESTS = """
INSERT INTO case_requests (case_id, kind, status, reason, dept_id, requested_at, extra_minutes, decided_at,
  decision_note)
SELECT p.id, 'postpone', 'approved', '需协调多部门，申请延期', p.dept_id, p.a5 + (p.a6 - p.a5) * 0.5,
  (extract(epoch FROM p.hd - p.a3) / 180)::int, p.a5 + (p.a6 - p.a5) * 0.55, '同意'
FROM plan p WHERE p.fate = 'main' AND p.postpone AND p.a5 + (p.a6 - p.a5) * 0.55 <= %(now)s;
INSERT INTO case_counters (day, last_seq)
SELECT (t0 AT TIME ZONE 'Asia/Shanghai')::date, count(*) FROM plan GROUP BY 1
"""

# What the workflow engine keeps on each case (migration 0010), from the generated steps.
CASE_FACTS = """
UPDATE cases c SET dept_late = true FROM (SELECT DISTINCT case_id FROM case_steps
  WHERE to_state IN ('dispatched', 'signed', 'handling') AND ended_at > deadline_at) s WHERE s.case_id = c.id;
UPDATE cases c SET parked_ever = true FROM (SELECT DISTINCT case_id FROM case_steps WHERE to_state = 'parked') s
  WHERE s.case_id = c.id;
"""

"""Geometry validation and demo-district texts."""
from __future__ import annotations

# --- demo --------------------------------------------------------------------------------------
GEO_NOT_POLYGON = "边界必须是 Polygon 或 MultiPolygon（收到：{found}）"
GEO_BAD_COORDINATES = "边界坐标格式错误：{detail}"
GEO_EMPTY = "边界为空或面积为零"
GEO_NOT_FINITE = "边界坐标含有非数值（NaN/无穷大）"
GEO_OUT_OF_RANGE = "坐标超出经纬度范围（经度 -180～180，纬度 -90～90）"
GEO_INVALID = "边界无效（自相交或环结构错误）：{detail}"
DEMO_ACCOUNT_NAMES = {"admin": "系统管理员（演示）", "dispatcher": "指挥长（演示）", "operator": "值班员（演示）",
                      "leader": "中心领导（演示）", "wall": "指挥大屏（演示）"}
DEMO_CLI = {
    "description": "在空数据库上生成可重复的演示辖区（网格、人员、部门、摄像头、分类、日历、账号、定位轨迹、案件历史）",
    "seed": "随机种子：同一种子生成相同的数据（默认 7）",
    "history_days": "生成最近多少天的案件历史（默认 30，0 表示不生成）",
    "position_days": "生成最近多少天的网格员定位轨迹（默认 7）",
    "logins_file": "演示账号密码写入的 JSON 文件（权限 0600，默认 .data/demo-logins.json）",
    "not_negative": "应为不小于 0 的整数：{value}",
    "db_error": "无法连接数据库或写入失败：{error}",
    "already": "数据库中已有网格数据，未做任何修改（演示数据只在空库上生成）。",
    "done": "演示辖区「{district}」已生成（种子 {seed}，用时 {seconds:.1f} 秒）",
    "counts": ("  区域 {areas} 个，网格 {grids} 个，部门 {departments} 个，人员 {staff} 名，"
               "设备 {devices} 台（摄像头 {cameras}，手持终端 {terminals}）"),
    "catalog": "  事件分类 {categories} 个，账号 {users} 个",
    "trails": "  定位 {positions} 条（{position_days} 天），在线网格员 {online} 名，巡查记录 {patrols} 条",
    "history_done": "  案件历史：{days} 天，共 {cases} 件",
    "history_missing": "  案件历史：未生成（db.demo.history 模块尚未提供）",
    "history_skipped": "  案件历史：按参数未生成",
    "logins_head": "登录账号（密码随机生成，只显示这一次；全部账号已写入 {path}）：",
    "logins_more": "  另有部门账号 {departments} 个（dept-部门编码）和网格员账号 {workers} 个（worker-人员编码），见上述文件",
}

# --- edge --------------------------------------------------------------------------------------
# `python -m ingest edge-config`: Mosquitto password and ACL files from the registered devices.
EDGE_CLI = {
    "description": "由已登记的设备生成 Mosquitto 密码文件（passwd）与访问控制文件（acl）：每台设备一个账号，只能发布到自己的主题",
    "help_out": "输出目录：写入 passwd 与 acl",
    "help_secrets": "设备密码明文 CSV（权限 0600，交给安装人员，不要复制到消息服务器；默认 .data/mqtt-device-secrets.csv）。其中已有的密码继续沿用",
    "help_rotate": "为该账号重新生成密码（可重复使用）",
    "help_rotate_all": "为全部账号重新生成密码（所有设备都要重新配置）",
    "help_frigate": "增加 Frigate NVR 网关账号 frigate-名称（可重复；之后从密码 CSV 中沿用，无需再次指定）",
    "help_gb28181": "增加 GB/T 28181 平台网关账号 gb28181-平台编号（可重复；之后从密码 CSV 中沿用）",
    "help_remove": "删除一个网关账号（可重复）",
    "help_owner": "把 passwd 与 acl 的属主改为该系统用户及其用户组（例如 mosquitto；需要 root 权限）",
    "summary": "共 {total} 个账号：摄像头 {camera}，手持终端 {terminal}，部门 {dept}，OwnTracks {owntracks}，"
               "Frigate {frigate}，GB/T 28181 平台 {gb28181}，接入服务 {ingest}",
    "passwords": "密码：沿用 {kept} 个，新生成 {new} 个，轮换 {rotated} 个。明文只写入 {secrets}（权限 0600），不在屏幕或日志中显示",
    "written": "已写入 {passwd} 和 {acl}。复制到消息服务器（属主 mosquitto，权限 0600）后执行 systemctl reload mosquitto 生效",
    "ingest_hint": "接入服务使用账号 ingest，其密码见上述 CSV：MQTT_URL=mqtt://ingest:密码@127.0.0.1:1883",
    "skipped": "未生成账号：{kind} {ref}：{reason}",
    "skipped_more": "……另有 {count} 项未生成账号，原因同上类",
    "kind": {"camera": "摄像头", "terminal": "手持终端", "dept": "部门", "owntracks": "OwnTracks 设备",
             "frigate": "Frigate 网关", "gb28181": "GB/T 28181 平台", "ingest": "接入服务", "alias": "设备别名"},
    "reason_unbound": "终端未绑定在岗人员（devices.staff_id 为空或人员已停用）",
    "reason_bad_code": "编码为空、超过 128 个字符，或含有主题与账号不允许的字符（/ + # : 空白、控制字符）",
    "reason_bad_owntracks": "OwnTracks 别名应为「用户/设备」两段",
    "reason_collision": "账号名与「{other}」重复",
    "refuse_mass_rotation": "{passwd} 已有 {count} 个账号，但密码 CSV {secrets} 中一个也没有：为避免所有设备同时掉线，"
                            "未做任何修改。请指定正确的 --secrets-file；确需全部换新密码时加 --rotate-all",
    "unknown_account": "没有这个账号：{names}",
    "unknown_gateway": "不是网关账号：{names}（设备和部门的账号跟随数据库：停用、删除或解绑后重新生成即可）",
    "bad_gateway": "网关编号不合法：{value}（不能为空，不能含 / + # : 空白或控制字符，最长 128 个字符）",
    "bad_secrets": "密码 CSV {path} 无法读取：{reason}",
    "secrets_header": "表头应为 {expected}",
    "secrets_row": "第 {line} 行格式不对（应有 5 列，用户名和密码不能为空）",
    "secrets_encoding": "不是 UTF-8 编码的 CSV（用表格软件编辑后请另存为 UTF-8 CSV）",
    "secrets_os": "{error}",
    "no_owner": "系统用户不存在：{user}",
    "db_error": "无法从数据库读取设备：{error}",
    "io_error": "无法写入 {path}：{error}",
}

# --- python -m db backup / restore (db/backup.py) ---------------------------------------------------------------
BACKUP = {
    "help_backup": "备份数据库（pg_dump 自定义格式，一致性快照）",
    "help_restore": "从备份文件恢复数据库（默认只恢复到空库）",
    "help_url": "数据库地址（默认 DATABASE_URL 或 ./start.sh 的内置数据库）",
    "help_out": "备份文件路径（默认 .data/backups/grid-日期-时间.dump）",
    "help_file": "pg_dump 自定义格式的备份文件",
    "help_replace": "目标库已有数据时先删除同名对象再恢复（会覆盖现有数据）",
    "no_tool": "找不到 {tool}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client），或设置 GRID_PG_BIN",
    "tool_failed": "{tool} 失败（退出码 {code}）：{error}",
    "no_file": "备份文件不存在：{path}",
    "not_empty": "目标数据库已有数据表：为免覆盖，未做恢复。确需覆盖请加 --replace，或恢复到一个新建的空库",
    "backup_done": "备份完成：{path}（{size:.1f} MB）",
    "restore_done": "恢复完成：{path}",
}

# --- python -m db users (db/users_cli.py) -------------------------------------------------------------------------
USERS = {
    "help": "账号管理：新建、改密码、改角色、停用/启用、列出（每项变更写入审计日志）",
    "help_add": "新建账号（角色：operator/dispatcher/department/grid_worker/leader/wall/admin）",
    "help_passwd": "重设密码（同时解除锁定，已登录的会话失效）",
    "help_role": "修改角色（部门用户需 --dept 部门编码）",
    "help_deactivate": "停用账号（已登录的会话随即失效）",
    "help_activate": "重新启用账号",
    "help_list": "列出全部账号（不含密码）",
    "prompt": "新密码：",
    "short": "密码至少 8 个字符",
    "no_user": "没有这个账号：{name}",
    "no_ref": "没有这个{what}：{code}",
    "dept": "部门", "staff": "人员",
    "bad_role": "角色「{role}」无效，应为：{roles}",
    "needs_ref": "角色 {role} 需要绑定：部门用户用 --dept 部门编码，网格员用 --staff 人员工号",
    "exists": "账号已存在：{name}",
    "done": "已完成 {cmd}：{name}",
}

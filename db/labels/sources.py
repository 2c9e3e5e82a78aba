"""SQL sources (issue 8) texts: config errors, dead-letter reasons of unmappable rows, CLI and admin-page labels."""
from __future__ import annotations

SOURCES_CLI = {
    "poll": "从其他系统的数据库表/视图拉取工单与告警（12345 热线、视频平台、部门系统）",
    "help_config": "数据源配置文件（TOML，密码用 ${环境变量}）；默认取 INGEST_SOURCES_FILE",
    "help_once": "每个数据源拉取到最新后退出（不持续轮询）",
    "help_source": "只运行这个数据源（可重复）",
    "no_config": "未指定数据源配置文件：请用 --config 或设置 INGEST_SOURCES_FILE",
    "bad_file": "无法读取数据源配置 {path}：{error}",
    "bad_config": "数据源配置 {path} 有误（{where}）：{error}",
    "missing_env": "数据源配置引用的环境变量 {name} 未设置",
    "table_or_query": "table 与 query 必须且只能填写一个",
    "unknown_fields": "字段 {fields} 不适用于类型 {kind}",
    "missing_fields": "缺少必需的字段映射：{fields}",
    "bad_column": "列名「{column}」无效（只允许字母、数字、下划线和点）",
    "bad_timezone": "未知的时区：{tz}",
    "bad_action": "取值表中 {code} 对应的「{action}」不可用，可选：{allowed}",
    "duplicate_name": "数据源名称重复",
    "unknown_source": "配置中没有数据源 {name}",
    "source_down": "数据源 {source} 不可用：{error}；{delay} 秒后重试",
    "source_back": "数据源 {source} 已恢复",
    "map_crash": "数据源 {source} 的一行映射时程序出错（{error}），已存为死信",
    "writeback_failed": "回写失败：{error}",
    "writeback_failed_log": "数据源 {source} 回写失败：{error}",
    "polled": "数据源 {source}：读取 {rows} 行，入库 {stored}，重复 {duplicates}，死信 {dead}",
    "help_hotline_db": "演示 12345 平台的 SQLite 数据库文件（默认 $GRID_DATA_DIR/hotline12345.db；未设置则不模拟）",
    "starting": "启动 {n} 个数据源的轮询：{names}",
}

SOURCES_REASON = {
    "no_key": "主键列 {column} 为空",
    "no_column": "源表中没有配置的列 {column}",
    "unmapped": "列 {field} 的代码「{code}」未在取值表中映射",
    "status_note": "12345 工单状态变为 {status}",
    "replay_no_key": "死信中没有完整的主键，无法从源表重读",
    "replay_row_gone": "源表中已没有主键为 {key} 的行",
}

# The name a source acts under in case steps ("12345热线（hotline12345）").
SOURCES_ACTOR = "外部系统 {name}"

SOURCES_KIND = {"hotline": "12345 工单", "video_alert": "视频告警", "feedback": "部门反馈"}

SOURCES_ADMIN = {
    "title": "数据库接入源",
    "none": "未配置数据库接入源（见 README「数据库接入」）。",
    "col_source": "数据源", "col_kind": "类型", "col_worker": "接入服务", "col_last_success": "最近成功",
    "col_lag": "滞后（秒）", "col_rows": "累计行数", "col_dead": "死信", "col_errors": "错误次数",
    "col_failures": "连续失败", "col_next": "下次重试", "col_last_error": "最近错误", "col_status": "状态",
    "col_watermark": "水位",
    "status_ok": "正常", "status_down": "不可用", "status_stale": "无心跳",
}

# The demo 12345 platform (ingest/simulate/hotline.py): what a caller tells the hotline.
SOURCES_DEMO = {
    "content": ("市民来电反映：{grid}{spot}{what}，希望尽快处理。", "市民反映{grid}{spot}{what}，已持续多日。",
                "来电人称{grid}{spot}{what}，影响出行，请相关部门核实处理。"),
    "what": {"A01": "有垃圾堆放无人清理", "A04": "垃圾桶满溢", "B02": "有人摆摊占道经营",
             "C01": "夜间施工噪声扰民", "D01": "路面破损有坑", "D03": "路面积水严重"},
    "surnames": "王李张刘陈杨黄赵吴周",
    "caller": "{surname}先生",
    "urge": "市民再次来电催办",
    "withdraw": "市民来电撤单：问题已自行解决",
    "started": "演示 12345 平台：工单写入 {path}",
}

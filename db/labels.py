"""Every user-facing string (Simplified Chinese), in one place; all layers read labels from here."""
from __future__ import annotations

AREA_LEVEL = {"district": "区/县", "street": "街道/乡镇", "community": "社区/村"}
GRID_KIND = {"governance": "社会治理网格", "unit": "城市管理单元网格", "special": "专属网格"}
STAFF_ROLE = {
    "supervisor": "督导员", "manager": "管理员", "patroller": "巡查员（专职网格员）", "assistant": "协理员",
    "specialist": "专管员", "informant": "信息员", "police": "社区民警", "volunteer": "志愿者",
}
DEPT_TIER = {1: "一级（30分钟到场）", 2: "二级（2小时内）", 3: "三级（按指定时限）"}
DEVICE_KIND = {"camera": "摄像头", "terminal": "手持终端"}
DEVICE_STATUS = {"online": "在线", "offline": "离线", "fault": "故障", "unknown": "未知"}
CATEGORY_LEVEL = {"major": "大类", "minor": "小类", "detail": "细类"}
CATEGORY_DOMAIN = {"urban": "城市管理", "governance": "社会治理"}
CLOCK_MODE = {"working": "工作时", "natural": "自然时"}
WORK_KIND = {"general": "一般性", "coordination": "需协调", "emergency": "突发性", "approval": "需审批"}
EVENT_KIND = {
    "video_alert": "视频告警", "position": "位置", "report": "网格员上报", "patrol": "巡查", "verify": "核查",
    "status": "终端状态", "feedback": "部门反馈", "frigate_event": "Frigate 事件", "owntracks_location": "OwnTracks 位置",
    "owntracks_lwt": "OwnTracks 离线", "owntracks_other": "OwnTracks 其他", "gb28181_alarm": "GB/T 28181 报警",
    "hotline_order": "12345 工单", "other": "其他",
}
CASE_SOURCE = {
    "video": "视频智能", "grid_worker": "网格员", "hotline": "12345热线", "public": "群众", "superior": "上级交办",
    "department": "部门巡查", "other": "其他",
}
CASE_STATE = {
    "reported": "待受理", "accepted": "已受理", "filed": "已立案", "dispatched": "已派遣", "signed": "已签收",
    "handling": "处置中", "feedback": "处置反馈", "checking": "核查中", "closed": "已结案", "rejected": "不予立案",
    "cancelled": "已作废", "parked": "挂账",
}
CASE_LEVEL = {"grid": "网格", "community": "社区", "street": "街道", "district": "区"}
CLOSE_TYPE = {"normal": "正常结案", "late": "超时结案", "special": "特殊结案"}
URGENCY = {1: "特急", 2: "紧急", 3: "一般", 4: "较低"}
REQUEST_KIND = {"postpone": "延期", "park": "挂账", "return": "回退", "cancel": "作废", "reopen": "重新打开"}
REQUEST_STATUS = {"pending": "待审批", "approved": "已批准", "refused": "已驳回"}
WHISTLE_REASON = {"beyond_power": "超出街道职权", "enforcement": "需要执法力量", "emergency": "突发紧急事件"}
WHISTLE_STATE = {"open": "进行中", "closed": "已完成"}
WHISTLE_ROLE = {"lead": "牵头单位", "co": "协办单位"}
PATROL_ACTION = {"start": "开始巡查", "end": "结束巡查", "checkpoint": "巡查打卡"}
USER_ROLE = {
    "operator": "值班员", "dispatcher": "指挥长", "department": "部门", "grid_worker": "网格员", "leader": "领导",
    "wall": "大屏", "admin": "管理员",
}

# --- db status / CLI ---------------------------------------------------------------------------
STATUS = {
    "title": "综治中心平台状态", "json_help": "输出稳定的 JSON（供运维与监控使用）",
    "events": "已接收事件", "cases": "案件", "dead_letters": "死信（全部）", "dead_letters_unreplayed": "死信（待处理）",
    "whistles_open": "进行中的吹哨", "positions_fresh": "5 分钟内有定位的人员", "grids": "网格", "staff": "人员",
    "devices": "设备", "unregistered_devices": "未登记设备", "ingest": "接入 收到/入库/拒收", "ingest_last": "最近上报",
}

# --- importers ---------------------------------------------------------------------------------
IMPORT_KIND = {"areas": "区域", "grids": "网格", "departments": "部门", "staff": "人员", "cameras": "摄像头"}
IMPORT_FIELD = {
    "code": "编码", "name": "名称", "level": "层级", "parent_code": "上级编码", "area_code": "所属区域编码",
    "kind": "网格类型", "households": "户数", "population": "人口", "duties": "职责", "tier": "级别",
    "duty_phone": "值班电话", "checkin_minutes": "报到时限（分钟）", "phone": "电话", "role": "角色",
    "grids": "负责网格", "dept_code": "部门编码", "lon": "经度", "lat": "纬度", "grid_code": "网格编码",
    "status": "状态", "vendor": "厂商", "geometry": "边界",
}
IMPORT_REASON = {
    # cells
    "required": "不能为空",
    "too_long": "超过 {n} 个字符",
    "not_scalar": "应为单个值，不能是列表或对象",
    "digits": "应为 {n} 位数字",
    "excel_sci": "疑似被 Excel 转成了科学计数法（请把该列设为文本后重新导出）",
    "code_chars": "只能包含字母、数字和 - _ .",
    "integer": "应为整数",
    "number": "应为数字",
    "range": "应在 {lo} 到 {hi} 之间",
    "choice": "无法识别「{value}」，可填：{options}",
    "phone": "格式不正确（只能包含数字、空格、横线、括号和 +，3 到 20 位数字）",
    "field": "「{field}」{reason}",
    "tier_options": "1、2、3 或 一级、二级、三级",
    # files
    "no_file": "找不到文件或无法读取：{name}",
    "unknown_kind": "未知的导入类型「{kind}」，可选：{kinds}",
    "empty": "文件是空的",
    "encoding": "无法识别文件编码：既不是 UTF-8，也不是 GBK/GB18030（按 UTF-8 在第 {utf8} 行、按 GBK 在第 {gbk} 行遇到无法解码的字节）",
    "utf16": "文件以 UTF-16 标记开头，但内容无法按 UTF-16 解码",
    "nul": "文件含有空字节，不是文本格式的 CSV",
    "xls": "不支持旧版 Excel .xls 格式，请另存为 .xlsx 或 CSV",
    "xlsx": "无法读取 Excel 文件：文件损坏或不是 .xlsx 格式",
    "csv": "CSV 格式错误（第 {row} 行附近）：引号不配对或含有非法字符",
    "no_header": "找不到表头",
    "missing_columns": "缺少必需的列：{columns}（第 {row} 行被当作表头；列名可用中文或英文）",
    "duplicate_column": "第 {a} 列「{a_name}」和第 {b} 列「{b_name}」都表示「{field}」",
    "no_rows": "文件中没有数据行",
    "extra_cells": "该行有 {n} 个单元格，多于表头的 {m} 列（可能有未加引号的逗号）",
    "json": "不是有效的 JSON：第 {line} 行第 {col} 列附近有错误",
    "not_collection": "GeoJSON 顶层应为 FeatureCollection（当前为 {found}）",
    "crs": "坐标系应为 WGS-84 或 CGCS2000 经纬度（文件声明为 {crs}）",
    "not_feature": "不是 GeoJSON 要素（Feature）",
    "no_properties": "要素缺少属性（properties）",
    "missing_properties": "要素属性中缺少：{columns}（属性名可用中文或英文）",
    "db_rejected": "数据库拒绝写入（{detail}），已全部撤销",
    # references and consistency
    "duplicate_code": "编码「{code}」与{where}重复",
    "at_row": "第 {row} 行",
    "at_feature": "第 {row} 个要素",
    "unknown_parent": "上级编码「{code}」在数据库和本文件中都不存在",
    "parent_level": "上级「{code}」是{found}，{level}的上级应为{expected}",
    "parent_self": "上级编码不能是自己",
    "district_parent": "区/县不应填写上级编码",
    "parent_required": "{level}必须填写上级编码",
    "level_change": "区域「{code}」下已有{children}，不能把层级从{old}改为{new}",
    "children_areas": "下级区域",
    "children_grids": "网格",
    "unknown_area": "区域编码「{code}」不存在，请先导入区域",
    "area_not_community": "所属区域「{code}」是{found}，网格应挂在社区/村下",
    "unknown_grid": "网格编码「{code}」不存在，请先导入网格",
    "unknown_dept": "部门编码「{code}」不存在，请先导入部门",
    "grid_item": "应写成 网格编码:A;网格编码:B（「{item}」无法识别）",
    "grid_repeated": "网格「{code}」在本行出现了多次",
    "code_is_terminal": "编码「{code}」已被一台手持终端使用",
    "lonlat_pair": "经度和纬度必须同时填写或同时留空",
    "no_location": "没有经纬度时必须填写网格编码",
    "overlap": "与{where}（网格「{code}」）重叠约 {m2} 平方米",
}
IMPORT_CLI = {
    "usage": "用法: python -m db import {{{kinds}}} 文件 [--actor 操作人]\n"
             "  区域/部门/人员/摄像头：CSV（UTF-8 或 GBK）或 .xlsx；网格：GeoJSON FeatureCollection（WGS-84）",
    "file_problem": "文件",
    "rejected": "导入{kind}（{file}）被拒绝，未写入任何数据。共 {n} 处问题：",
    "more": "…还有 {n} 处",
    "done": "导入{kind}（{file}，{encoding}）完成：共 {rows} 条，新增 {inserted}，更新 {updated}。",
    "ignored": "未识别的列已忽略：{columns}",
    "grid_links": "人员负责网格关系：{n} 条",
    "unlocated": "{n} 个摄像头不在任何网格内，暂未关联网格",
    "located": "{n} 个摄像头按经纬度自动落入网格",
    "db_error": "无法连接数据库：{detail}",
}

# --- workflow ----------------------------------------------------------------------------------

WF_ACTION = {
    "report": "上报", "self_handle": "自行处置", "accept": "受理", "reject": "不予立案", "file": "立案",
    "dispatch": "派遣", "sign": "签收", "start": "开始处置", "feedback": "处置反馈", "check": "核查",
    "close": "结案", "rework": "返工", "escalate": "上报上一级", "approve_return": "批准回退",
    "approve_park": "批准挂账", "unpark": "解除挂账", "approve_cancel": "批准作废", "approve_reopen": "批准重新办理",
    "merge_into": "并入其他案件", "whistle": "吹哨", "supervise": "督办", "request_postpone": "申请延期",
    "request_return": "申请回退", "request_park": "申请挂账", "request_cancel": "申请作废",
    "request_reopen": "申请重新办理", "approve_postpone": "批准延期", "refuse_request": "驳回申请",
    "progress": "报告进展", "verify": "现场核查", "merge": "合并案件", "alert_split": "拆出告警",
    "whistle_checkin": "部门报到", "whistle_progress": "吹哨进展", "whistle_result": "吹哨结果",
    "whistle_return": "吹哨回退", "whistle_reassign": "吹哨改派",
}
WF_PARAM = {
    "reason": "原因", "dept_id": "部门", "note": "说明", "extra_minutes": "延期时长（分钟）", "request_id": "申请编号",
    "passed": "核查结果", "other_case_id": "被合并案件", "alert_id": "告警编号", "whistle_id": "吹哨编号",
    "lead_dept_id": "牵头单位", "checkin_minutes": "报到时限（分钟）", "satisfaction": "满意度",
    "urgency": "紧急程度", "category_id": "案件类别", "keep_id": "保留案件",
}
WF_ROLE_SYSTEM = "系统"
WF_CLOCK_STATUS = {"normal": "正常", "warning": "预警", "overdue": "超时"}
WF_ERR = {
    "unknown_action": "未知操作：{action}",
    "no_permission": "{role}无权执行“{action}”",
    "not_own_dept": "只能办理本部门的案件",
    "not_own_whistle": "只能为本部门报到或反馈",
    "refused_state": "案件当前状态为“{state}”，不能执行“{action}”",
    "already_handled": "已被 {by} 处理（案件当前状态：{state}）",
    "missing": "缺少{param}",
    "case_not_found": "案件不存在：{case}",
    "time_before_last": "操作时间早于案件上一步骤",
    "bad_source": "未知来源：{value}",
    "bad_urgency": "紧急程度必须是 1–4",
    "bad_level": "未知层级：{value}",
    "bad_work_kind": "未知工作类型：{value}",
    "title_required": "请填写案件标题",
    "category_required": "请选择案件类别",
    "category_unknown": "未知案件类别：{value}",
    "dept_unknown": "未知或已停用的部门：{value}",
    "grid_unknown": "未知网格：{value}",
    "district_unknown": "无法确定所属区县：请提供网格或位置",
    "top_level": "案件已在区级，不能再上报",
    "satisfaction_range": "满意度必须是 1–5",
    "minutes_positive": "延期时长必须是正整数（分钟）",
    "checkin_minutes": "报到时限必须是正整数（分钟）",
    "request_pending": "已有待审批的{kind}申请",
    "request_missing": "没有待审批的{kind}申请",
    "request_unknown": "申请不存在或已处理：{value}",
    "whistle_open": "本案已有进行中的吹哨",
    "whistle_unknown": "吹哨不存在或已结束：{value}",
    "whistle_not_member": "该部门不在本次吹哨名单中",
    "whistle_dept_twice": "同一部门不能重复列入吹哨",
    "whistle_no_deadline": "三级部门“{dept}”需要指定报到时限",
    "whistle_checked_in": "该部门已报到",
    "whistle_not_checked_in": "请先报到",
    "whistle_returned": "该部门已回退",
    "whistle_result_done": "该部门已报告结果",
    "whistle_lead_pending": "牵头单位尚未报告办理结果，不能结案（事不完、人不撤）",
    "whistle_reason": "吹哨原因必须是：超出街道职权、需要执法力量、突发紧急事件",
    "merge_self": "不能把案件合并到自身",
    "alert_unknown": "告警不存在：{value}",
    "alert_no_case": "该告警未关联案件",
    "alert_only_one": "案件只剩这一条告警，无需拆分",
    "bad_number": "{param}必须是数字",
    "bad_dimension": "考核维度必须是 dept、grid、street、staff 或 all",
}
WF_CLOSED_BY_CASE = "案件已结束，申请自动失效"
WF_ALERT_TITLE = "{type}（{camera}）"
WF_ASSESS = {   # column names of db.workflow.assess() rows, for tables and exports
    "accepted": "受理数", "filed": "立案数", "due": "应结案数", "closed": "结案数", "closed_ontime": "按期结案数",
    "close_rate": "结案率", "ontime_close_rate": "按期结案率", "rework_rate": "返工率",
    "dispatch_ontime_rate": "按时派遣率", "dispatch_accuracy": "准确派遣率", "checkin_ontime_rate": "报到及时率",
    "overdue_open": "超期未处置数", "parked": "挂账数", "postponed": "延期数", "self_handled": "自行处置数",
    "avg_handle_hours": "平均处置时长（工作小时）", "satisfaction": "满意度", "satisfied_rate": "满意率",
    "score": "综合得分", "grade": "等级",
}


# --- ingest ------------------------------------------------------------------------------------
# Dead-letter reasons (format with str.format); stored with the refused message for an admin to read.
INGEST_REASON = {
    "too_large": "消息过大：{size} 字节，超过上限 {limit} 字节，未解析",
    "unknown_topic": "未知主题：{topic}",
    "bad_topic_ref": "主题中的{what}编号为空或过长",
    "bad_utf8": "不是有效的 UTF-8 文本（第 {pos} 字节起无法解码）",
    "bad_json": "JSON 格式错误：{detail}（第 {line} 行第 {col} 列）",
    "bad_json_at": "JSON 格式错误（第 {line} 行第 {col} 列附近）",
    "json_constant": "JSON 格式错误：{value} 不是合法的 JSON 数值",
    "json_too_deep": "JSON 嵌套层数过多",
    "json_big_number": "JSON 格式错误：数字位数过多",
    "not_object": "JSON 顶层应为对象 {…}",
    "missing": "缺少字段 {field}",
    "wrong_type": "字段 {field} 类型错误，应为{expected}",
    "out_of_range": "字段 {field} 超出范围（应 {op} {bound}）",
    "not_finite": "字段 {field} 不是有限数值",
    "choice": "字段 {field} 取值无效，可选：{expected}",
    "too_long": "字段 {field} 过长（最多 {n} 个字符）",
    "empty": "字段 {field} 不能为空",
    "bad_value": "字段 {field} 取值无效：{detail}",
    "ts_type": "时间字段 {field} 应为带时区的 ISO-8601 字符串或 Unix 秒/毫秒数",
    "ts_bad": "时间字段 {field} 无法解析：{value}",
    "ts_no_zone": "时间字段 {field} 缺少时区偏移：{value}（例：2025-05-01T08:30:00+08:00）",
    "ts_past": "时间字段 {field} 早于 2000 年：{ts}",
    "ts_future": "时间字段 {field} 超前当前时间约 {minutes} 分钟：{ts}（设备时钟错误？）",
    "ts_range": "时间字段 {field} 超出可处理的范围：{value}",
    "lonlat_pair": "经度 lon 和纬度 lat 必须同时提供",
    "nul_char": "消息含有空字符（\\u0000），数据库无法保存",
    "owntracks_schema": "不符合 OwnTracks 消息格式：{detail}",
    "gb_encoding": "无法识别的文本编码（声明为 {declared}，既不是有效的 UTF-8，也不是 GB2312/GBK）",
    "gb_doctype": "XML 含有 DOCTYPE 或实体声明，拒绝解析",
    "bad_xml": "XML 格式错误（第 {line} 行第 {col} 列）",
    "gb_not_alarm": "不是报警通知：根元素为 {root}，CmdType 为 {cmd}（应为 Notify / Alarm）",
    "gb_device_id": "DeviceID 应为 20 位数字（收到「{value}」）",
    "gb_range": "{field} 取值「{value}」无效，应为 {lo}–{hi} 的整数",
    "gb_coords": "经纬度无效：Longitude={lon}，Latitude={lat}",
    "db_refused": "数据库拒绝保存：{detail}",
    "case_error": "生成案件失败：{detail}",
    "case_crash": "生成案件时程序出错（{error}），原始消息已保存",
    "parse_crash": "解析消息时程序出错（{error}），已存为死信，修复后可重放",
    "case_unknown": "案件编号 {code} 不存在",
    "replay_truncated": "死信只保存了前 {kept} 字节（原始 {size} 字节），无法重放",
    "replay_stored": "重放成功，已入库",
    "replay_duplicate": "重放时发现该消息已入库（未重复保存）",
}
INGEST_JSON_TYPE = {"number": "数字", "integer": "整数", "string": "字符串", "boolean": "布尔值（true/false）",
                    "array": "数组", "object": "对象", "null": "null"}
INGEST_TYPE_OR = "或"     # "应为字符串或整数"
INGEST_BOUND = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}
UNREGISTERED_KIND = {"camera": "摄像头", "staff": "人员", "device": "终端/外部设备", "alert_type": "告警类型",
                     "category": "案件类别", "department": "部门", "grid": "网格"}
INGEST_FLAG = {
    "unknown_camera": "未登记的摄像头", "unknown_staff": "未登记的人员", "unknown_device": "未映射的外部设备",
    "unknown_alert_type": "未映射的告警类型", "unknown_category": "未知的案件类别", "unknown_department": "未登记的部门",
    "unknown_grid": "未知的网格编码", "coords_outside_china": "坐标在中国境外，已改用摄像头位置",
    "case_error": "生成案件失败",
}
# GB/T 28181 decoded codes (AlarmType keys are "method-type").
INGEST_GB28181 = {
    "priority": {1: "一级警情", 2: "二级警情", 3: "三级警情", 4: "四级警情"},
    "method": {1: "电话报警", 2: "设备报警", 3: "短信报警", 4: "GPS报警", 5: "视频报警", 6: "设备故障报警", 7: "其他报警"},
    "alarm_type": {
        "2-1": "视频丢失报警", "2-2": "设备防拆报警", "2-3": "存储设备磁盘满报警", "2-4": "设备高温报警",
        "2-5": "设备低温报警",
        "5-1": "人工视频报警", "5-2": "运动目标检测报警", "5-3": "遗留物检测报警", "5-4": "物体移除检测报警",
        "5-5": "绊线检测报警", "5-6": "入侵检测报警", "5-7": "逆行检测报警", "5-8": "徘徊检测报警",
        "5-9": "流量统计报警", "5-10": "密度检测报警", "5-11": "视频异常检测报警", "5-12": "快速移动报警",
        "6-1": "存储设备磁盘故障报警", "6-2": "存储设备风扇故障报警",
    },
    "device_type": {
        "111": "DVR", "112": "视频服务器", "113": "编码器", "114": "解码器", "117": "报警控制器", "118": "NVR",
        "130": "混合硬盘录像机", "131": "摄像机", "132": "网络摄像机", "134": "报警输入设备", "135": "报警输出设备",
        "200": "中心信令控制服务器",
    },
}
INGEST_CLI = {
    "usage": "用法: python -m ingest [worker|simulate|replay-dead-letters|edge-config] [参数]",
    "worker": "运行接入服务（默认命令）", "simulate": "向 MQTT 发布演示辖区的模拟流量",
    "replay": "修复后重放死信",
    "no_mqtt": "未配置 MQTT：请设置 MQTT_URL，或先运行 ./start.sh 启动内置消息服务器。",
    "bad_mqtt_url": "MQTT_URL 格式错误：{url}（应为 mqtt://主机:端口 或 mqtts://主机:端口）",
    "started": "接入服务 {worker} 已启动：{url}，订阅 {topics} 个主题，MQTT {protocol}",
    "v5_refused": "消息服务器不支持 MQTT v5，改用 MQTT 3.1.1（不使用共享订阅，不能多实例分担）",
    "mqtt_lost": "与消息服务器的连接断开（{reason}），正在重连",
    "mqtt_back": "已重新连接消息服务器并重新订阅",
    "subscribe_refused": "消息服务器拒绝了部分订阅（{reasons}），请检查该账号的 ACL",
    "db_down": "数据库不可用（{error}），{delay:.1f} 秒后重试；消息暂不确认，不会丢失",
    "db_back": "数据库已恢复，继续入库",
    "batch_split": "批量写入被数据库拒绝（{error}），逐条重试",
    "case_crash": "生成案件时出错（{error}），原始消息已保存并标记",
    "counters_failed": "写入接入统计失败（{error}）",
    "writer_died": "入库子进程意外退出（退出码 {code}），正在重启；当前批次将重新写入",
    "writer_start_failed": "入库子进程无法启动：{error}",
    "writer_gave_up": "入库子进程反复启动失败（退出码 {code}），接入服务退出；请检查数据库是否已升级到最新结构",
    "stopping": "接入服务正在停止",
    "replay_done": "重放死信 {total} 条：入库 {stored}，已存在 {duplicate}，仍不合格 {invalid}，无法重放 {skipped}",
    "parse_crash_log": "解析主题 {topic} 的消息时程序出错（{error}），该消息已存为死信",
    "replay_requests_failed": "处理页面发起的死信重放失败（{error}），稍后重试",
    "replay_help_id": "只重放这些编号的死信", "replay_help_topic": "只重放主题以此开头的死信",
    "replay_help_limit": "最多重放多少条", "replay_help_dry": "只检查，不写入",
    "help_worker_id": "实例名（MQTT 客户端 ID），同一组内各实例须不同",
    "help_batch_size": "每批最多消息数", "help_batch_ms": "每批最长等待毫秒数",
    "sim_started": "模拟流量：{workers} 名网格员、{cameras} 个摄像头，速率 ×{rate}，种子 {seed}",
    "sim_empty": "数据库中没有演示辖区（网格员或网格为空），请先运行 python -m db seed-demo",
    "sim_progress": "已发布 {sent} 条消息",
    "help_rate": "速率倍数（1 = 真实节奏）", "help_seed": "随机种子（相同种子产生相同流量）",
    "help_duration": "运行秒数（默认一直运行）", "help_max": "最多发布多少条后停止",
    "help_run_id": "消息编号前缀（默认取启动时间；固定它可让两次运行产生完全相同的消息）",
}
# Texts the traffic simulator puts into demo messages (they are shown on the dashboard like real reports).
INGEST_SIM = {
    "report": ("{grid}{spot}发现{category}，{detail}", "巡查至{grid}{spot}，{category}：{detail}",
               "{grid}居民反映{spot}{category}，现场核实属实，{detail}"),
    "spot": ("主路口", "小区东门", "菜市场旁", "公交站台", "沿街商铺前", "背街小巷", "学校门口", "公园入口", "停车场"),
    "detail": ("需相关部门处置", "影响居民通行", "已拍照取证", "现场已设置提醒", "群众反映强烈", "持续时间较长"),
    "self_handled": "已现场处置完毕",
    "address": "{grid}{n}号附近",
    "checkin": ("已到达现场", "处置人员已到场", "已签收，正在前往"),
    "progress": ("正在组织清理", "已联系责任单位", "现场处置中，预计今日完成", "已调派车辆和人员"),
    "result": ("已处置完毕，现场恢复正常", "已清理完毕", "已责令整改到位", "已完成维修"),
    "verify_pass": "现场核查：已处置到位",
    "verify_fail": "现场核查：问题仍存在，需返工",
    "gb_description": "视频智能分析报警",
}

# --- launcher ----------------------------------------------------------------------------------
# Messages of ./start.sh, ./test.sh, .ci/run and python -m launcher (format with str.format).
LAUNCHER = {
    "port_invalid": "{env}={value} 不是有效端口（1–65535）：请改正或取消设置该环境变量。",
    "port_taken_explicit": "{what}端口 {port} 已被占用（{env}）：请换一个空闲端口，或先停止占用它的程序。",
    "port_fallback": "{what}默认端口 {default} 已被占用，改用 {port}（可用 {env} 指定）。",
    "db_unreachable": "无法连接数据库 {where}（{reason}）：请检查 DATABASE_URL 与数据库服务，或取消设置 DATABASE_URL 以使用内置数据库。",
    "pg_start_failed": "内置数据库启动失败（{reason}）：请查看日志 {log}，必要时删除 .data/pg 后重试（会清空演示数据）。",
    "mqtt_url_invalid": "MQTT_URL 格式不正确（{url}）：请写成 mqtt://主机:端口，或取消设置以使用内置消息代理。",
    "mqtt_unreachable": "无法连接 MQTT 代理 {where}（{reason}）：请检查 MQTT_URL 与代理服务，或取消设置 MQTT_URL 以使用内置代理。",
    "broker_start_failed": "消息代理 {kind} 未能在端口 {port} 启动：请查看日志 {log}。",
    "broker_choice_invalid": "GRID_BROKER={value} 无效：请设为 mosquitto 或 amqtt，或取消设置（自动选择）。",
    "mosquitto_required": "GRID_BROKER=mosquitto，但本机没有 mosquitto：请安装（apt-get install mosquitto）或取消设置 GRID_BROKER。",
    "what_dashboard": "大屏网页", "what_broker": "MQTT 消息代理",
    "already_running": "平台已在运行（{url}）：如需重启，请先运行 .venv/bin/python -m launcher stop。",
    "orphan_stopped": "已停止上次异常退出遗留的进程：{name}",
    "pg_starting": "正在启动内置数据库 PostgreSQL（数据目录 {dir}）…",
    "pg_embedded": "内置 PostgreSQL（数据目录 {dir}）",
    "amqtt_warning": ("警告：使用纯 Python 的 amqtt 消息代理（本机没有 mosquitto 或 GRID_BROKER=amqtt）："
                      "不支持 MQTT v5 与共享订阅，离线消息可能丢失，投递保证降低，仅适合演示；"
                      "请安装 mosquitto（apt-get install mosquitto）或设置 MQTT_URL。"),
    "migrating": "正在升级数据库结构…",
    "seeding": "数据库中还没有网格：正在生成演示辖区（--seed {seed}），首次需要一些时间…",
    "step_migrate": "数据库结构升级", "step_seed-demo": "演示数据生成",
    "step_failed": "{step}失败（退出码 {code}）：请查看日志 {log}。",
    "waiting_dashboard": "正在启动接入服务、演示流量与大屏网页，等待网页就绪…",
    "dashboard_timeout": "大屏网页 {url} 在 {s} 秒内没有响应：请查看日志 {log}。",
    "svc": {
        "launcher": "启动器", "postgres": "数据库 PostgreSQL", "broker": "MQTT 消息代理",
        "ingest": "接入服务（python -m ingest）", "simulate": "演示流量（python -m ingest simulate）",
        "dashboard": "大屏网页（streamlit）",
    },
    "child_finished": "{name} 已正常结束。",
    "child_died": "{name} 已退出（{how}），正在停止其余服务；日志 {log} 的最后几行：",
    "exit_code": "退出码 {n}", "exit_signal": "被信号 {n} 终止", "exit_unknown": "进程已不存在",
    "stopping": "正在停止全部服务…",
    "stopped": "已全部停止。",
    "ready": "综治中心平台已启动：{url}",
    "ready_db": "  数据库：{where}",
    "ready_broker": "  消息代理：{kind} {url}",
    "logins_title": "演示账号（用户名 / 密码）：",
    "logins_all": "  全部 {n} 个演示账号见 {file}",
    "logins_unknown": "  演示账号：数据库已有数据，未找到 {file}，账号密码请向管理员索取。",
    "ready_files": "日志目录：{logs}；运行信息：{runtime}",
    "ready_stop": "按 Ctrl-C 停止全部服务（或在另一个终端运行 .venv/bin/python -m launcher stop）。",
    "start_help": "启动综治中心平台（数据库、消息代理、接入服务、演示流量、大屏网页）",
    "data_dir_help": "数据目录（默认 .data；其他工具只读取 .data/runtime.json）",
    "no_demo_help": "空数据库时不生成演示辖区",
    "json_help": "输出 JSON（供运维与监控使用）",
    "usage": "用法: python -m launcher <命令> [参数]",
    "cmd_start": "启动全部服务（./start.sh 调用），Ctrl-C 停止",
    "cmd_stop": "停止正在运行的平台",
    "cmd_status": "查看运行状态（--json）",
    "cmd_test": "临时数据库与消息代理上运行测试（./test.sh 调用）",
    "status_never": "平台未运行（没有找到 .data/runtime.json）。",
    "status_running": "平台运行中：{url}（启动于 {since}）",
    "status_stopped": "平台未运行（上次启动于 {since}，停止于 {at}）。",
    "status_crashed": "平台未运行：启动器已异常退出（启动于 {since}）；运行 .venv/bin/python -m launcher stop 可清理遗留进程。",
    "status_endpoints": "  消息代理：{broker} {mqtt}\n  数据库：{db}",
    "status_alive": "运行中", "status_dead": "未运行",
    "stop_sending": "正在通知启动器（pid {pid}）停止全部服务…",
    "stop_timeout": "启动器（pid {pid}）在 {s} 秒内没有退出：请检查后手动结束该进程。",
    "stop_nothing": "平台未运行，无需停止。",
    "python_too_old": "需要 Python 3.11 或更高版本（当前 {found}）：请安装 Python 3.11 后重试。",
    "venv_creating": "正在创建虚拟环境 .venv …",
    "venv_failed": "无法创建虚拟环境 .venv：请安装 venv 模块（Debian/Ubuntu：apt-get install python3.11-venv）后重试。",
    "pip_installing": "正在安装依赖（首次运行或 requirements.txt 有变化；首次约需几分钟，输出见 {log}）…",
    "pip_failed": "依赖安装失败：请检查网络或 pip 镜像设置（PIP_INDEX_URL），详见 {log}，修复后重新运行。",
    "syspkg_cannot": "缺少系统软件包 {pkgs}，且无法自动安装（需要 root 与 apt-get）：请手动安装，否则相关测试将跳过（CI=true 时失败）。",
    "syspkg_installing": "正在安装系统软件包：{pkgs} …",
    "syspkg_failed": "系统软件包 {pkgs} 安装失败：请手动安装，否则相关测试将跳过（CI=true 时失败）。",
    "syspkg_unknown": "未知的软件包 {pkgs}（可选：{known}）。",
    "test_amqtt_warning": "警告：没有 mosquitto，测试改用 amqtt 消息代理；需要 mosquitto 特性的测试将跳过（CI=true 时失败）。",
    "test_servers": "测试数据库：{db}\n测试消息代理：{mqtt}",
    "mosquitto_missing": "本机没有 mosquitto（apt-get install mosquitto）：此测试需要它。",
}

# --- dashboard ---------------------------------------------------------------------------------
# Foundation, sign-in, wall, positions and daily pages (dashboard/auth.py, nav.py, maps.py, pages/*).
PAGE_TITLE = {
    "login": "登录", "wall": "指挥大屏", "positions": "人员定位", "daily": "每日态势", "no_pages": "无可用页面",
    "queue": "案件队列", "case": "案件详情", "desk": "部门工作台", "admin": "基础数据",
    "mine": "我的案件", "audit": "审计日志",
}
NAV_SECTION = {"overview": "态势总览", "work": "业务办理", "admin": "系统管理"}
APP = {
    "name": "综治中心指挥平台",
    "db_error": "无法连接数据库：{error}",
    "no_pages": "您的角色（{role}）暂无可访问的页面，请联系管理员。",
}
AUTH = {
    "title": "综治中心指挥平台 · 登录", "username": "用户名", "password": "密码", "submit": "登录",
    "empty": "请输入用户名和密码。",
    "bad_credentials": "用户名或密码错误。",
    "locked": "连续登录失败次数过多，账户已锁定，请在 {minutes} 分钟后再试。",
    "signed_in_as": "{name}（{role}）", "sign_out": "退出登录",
    "expired": "长时间未操作，已自动退出，请重新登录。",
    "account_changed": "账户状态已变更（停用或角色调整），请重新登录。",
    "need_sign_in": "请先登录。",
    "forbidden": "您的角色（{role}）无权访问此页面。",
    "wall_link": "大屏长期登录链接已写入地址栏，请将本页加入收藏；修改大屏账户密码后链接立即失效。",
    "demo_refused": "生产环境已禁用演示账户，请使用正式账户登录。",
    "sso": "单点登录", "sso_unknown": "单点登录账户「{name}」在本系统中没有对应的账户，请联系管理员开通。",
}
# Audit log viewer (pages/audit.py) and 我的案件 (pages/mine.py).
AUDIT = {
    "title": "审计日志", "period": "时间范围", "actor": "操作人（用户名）", "kinds": "操作类型", "text": "对象/内容包含",
    "page_size": "每页条数", "page": "页码", "none": "没有符合条件的审计记录。",
    "shown": "第 {page} 页，共 {total} 条（按时间倒序）",
    "col_at": "时间", "col_user": "操作人", "col_action": "操作", "col_kind": "对象类型", "col_target": "对象",
    "col_detail": "详情", "col_client": "来源地址",
}
AUDIT_KIND = {   # filter choices: exact actions, or a prefix ending in "." for a family of actions
    "login": "登录", "login_failed": "登录失败", "logout": "退出登录", "case.": "案件操作", "import": "数据导入",
    "export": "导出", "admin.": "基础数据修改",
}
MINE = {
    "title": "我的案件", "open_only": "只看未办结", "none": "暂无与您相关的案件。",
    "caption": "您上报的案件，以及您负责网格内的案件（只读，最多显示 {n} 条）。",
    "col_code": "案件编号", "col_title": "标题", "col_state": "环节", "col_deadline": "当前环节时限",
    "col_reported": "上报时间", "col_grid": "网格", "col_why": "关联", "why_reported": "本人上报", "why_grid": "负责网格",
}
KIOSK = {
    "bad_param": "地址参数 {name}={value} 无效：{reason}，已按默认值 {default} 显示。",
    "bad_int": "应为 {low}–{high} 之间的整数",
    "bad_choice": "应为以下之一：{choices}",
    "views": {"map": "态势地图", "rankings": "考核排名", "trends": "30天趋势"},
}
COMMON = {
    "data_age": "数据更新于 {age}前", "data_none": "暂无数据", "data_stale": "数据已 {age} 未更新",
    "seconds": "{n}秒", "minutes": "{n}分钟", "hours": "{n}小时", "days": "{n}天",
    "percent": "{v:.1f}%", "na": "—", "dur_hm": "{h}小时{m:02d}分", "dur_m": "{m}分钟",
}
WALL = {
    "title": "{district} 综治中心指挥大屏",
    "kpi_intake": "今日受理", "kpi_open": "在办案件", "kpi_overdue": "超期案件", "kpi_whistles": "进行中吹哨",
    "kpi_ontime_today": "今日按期结案率", "kpi_ontime_month": "本月按期结案率", "kpi_parked": "挂账",
    "color_by": "网格着色", "color_load": "在办案件数", "color_overdue": "超期案件数",
    "legend_urgency": ("案件：红=特急或超期 橙=紧急 蓝=一般 灰=较低，白边=待派遣 绿边=待核查；黄圈=吹哨；"
                       "青点=网格员（灰=定位超时）；紫点=30分钟内有告警的摄像头"),
    "whistles": "吹哨报到", "whistles_none": "当前没有进行中的吹哨。",
    "checked_in": "✓ 已报到 {t}", "checked_in_late": "✓ 迟到报到 {t}", "countdown": "剩余 {d}", "late": "迟到 {d}",
    "feed": "最新告警与上报", "feed_none": "暂无告警与上报。",
    "feed_alert": "告警", "feed_case": "上报",
    "rankings": "部门与街道考核排名（本月）", "trends": "近30天趋势",
    "kpi_no_due_today": "今日无应结案件", "kpi_no_due_month": "本月无应结案件",
}
POSITIONS = {
    "title": "人员定位与巡查",
    "online": "在线", "offline": "离线", "stale": "定位超时",
    "kpi_workers": "网格员", "kpi_online": "在线", "kpi_patrolled": "已巡网格", "kpi_unpatrolled": "未巡网格",
    "kpi_share_ok": "在格时长达标", "col_name": "姓名", "col_code": "工号", "col_role": "岗位", "col_phone": "电话",
    "col_grid": "所在网格", "col_seen": "最后定位", "col_age": "距今", "col_batt": "电量", "col_status": "状态",
    "col_own_grids": "负责网格", "col_share": "在格时长占比", "col_minutes": "在格分钟", "col_rule": "三分之一规则",
    "col_street": "街道", "col_community": "社区",
    "rule_ok": "达标", "rule_short": "未达标",
    "trail": "人员轨迹", "trail_worker": "选择人员", "trail_day": "日期（覆盖统计与轨迹）", "trail_none": "该人员当天没有定位记录。",
    "trail_points": "{n} 个定位点，{start} – {end}",
    "unpatrolled": "当日尚未巡查的网格（{n}）", "all_patrolled": "所有网格今日均已巡查。",
    "shift_share": "在格时长按当日已过工作时间计算（{minutes} 分钟），要求不少于三分之一（第3条）。",
    "rest_day": "所选日期为休息日：不计在格时长，巡查记录照常统计。",
}
DAILY = {
    "title": "每日态势", "period": "统计区间", "period_label": "所选区间 {start} 至 {end}",
    "intake": "受理量", "intake_source": "按来源", "intake_category": "按类别（大类）", "backlog": "在办案件（按环节）",
    "overdue": "超期", "warning": "预警", "close_rate": "结案率", "ontime_rate": "按期结案率", "rework_rate": "返工率",
    "checkin_rate": "报到及时率", "satisfaction": "满意率", "satisfaction_avg": "平均满意度", "due": "应结案数",
    "trends": "近30天趋势", "trend_intake": "受理", "trend_closed": "结案", "trend_ontime": "按期结案率（%）",
    "heat": "案件分布（按网格）", "rankings": "综合考核排名",
    "by": {"dept": "部门", "street": "街道", "grid": "网格"},
    "col_rank": "名次", "col_name": "名称", "col_score": "综合得分", "col_grade": "等级", "col_count": "数量",
    "col_source": "来源", "col_category": "类别", "col_state": "环节", "col_day": "日期",
    "export": "导出日报", "export_xlsx": "下载 Excel 日报", "export_html": "下载可打印日报（HTML）",
    "report_title": "{district} 综治中心每日态势报告", "report_period": "统计区间：{start} 至 {end}",
    "report_generated": "生成时间：{t}", "sheet_summary": "总览", "sheet_rankings": "排名", "sheet_trend": "趋势",
    "metric": "指标", "value": "数值", "none": "无", "uncategorized": "未分类", "open_now": "在办案件",
    "no_data": "无数据", "ungraded": "无数据（所选区间内无应结案件，不参与评级）：{names}",
    "and_more": "{names} 等 {n} 个",
}

# Action pages: queue, case detail, department desk, basic data (pages/queue.py, case.py, desk.py, admin.py).
ACTION_PAGES = {
    "dur_days": "{d}天{h}小时", "dur_hours": "{h}小时{m:02d}分", "dur_minutes": "{m}分",
    "left": "剩余 {d}", "overdue_by": "超时 {d}", "no_deadline": "无时限",
    "badge_overdue": "超时", "badge_warning": "预警", "badge_supervised": "督办",
    "col_seq": "序号", "col_action": "环节/操作", "col_to_state": "结果状态", "col_actor": "经办人", "col_dept": "部门",
    "col_started": "开始", "col_ended": "结束", "col_duration": "用时", "col_deadline": "时限", "col_on_time": "按时",
    "col_note": "说明", "open_step": "进行中",
    "no_photos": "无照片。", "photo_missing": "照片无法显示：{url}", "this_case": "本案位置",
    "col_code": "案件编号", "col_state": "状态", "col_urgency": "紧急程度", "col_source": "来源", "col_category": "类别",
    "col_title": "标题", "col_description": "描述", "col_address": "地址", "col_street": "街道", "col_community": "社区",
    "col_grid": "网格", "col_reported": "上报时间", "col_time_left": "剩余时间", "col_badge": "提示",
    "col_reporter_name": "报告人", "col_reporter_phone": "联系电话", "col_reporter_id": "证件号码",
    "col_open": "详情", "col_work_minutes": "用时（计时分钟）",
    # common form words
    "all": "全部", "choose": "请选择", "yes": "是", "item": "项目", "value": "内容", "note": "说明", "reason": "原因",
    "save": "保存", "saved": "已保存。", "done": "已完成", "not_yet": "未报到", "pct": "{v}%", "na": "—",
    "fill_in": "请填写：{fields}", "name_code": "{name}（{code}）", "metres": "{m:.0f} 米", "late_mark": "（超时）",
    "list_sep": "、", "msg_sep": "；", "pair": "{label}：{value}", "field_reason": "原因", "field_note": "说明", "field_dept_id": "部门",
    "field_lead_dept_id": "牵头单位", "field_category_id": "类别", "field_other": "被合并案件编号",
    "field_request_id": "申请",
    # queue
    "queue_title": "案件队列", "filters": "筛选条件", "search": "搜索（编号、标题、描述、地址）",
    "search_hint": "输入关键字，按回车", "open_only": "在办案件", "due": "时限", "due_all": "全部",
    "due_late_or_warning": "预警或超时", "due_overdue": "仅超时", "due_warning": "仅预警",
    "date_from": "上报日期自", "date_to": "至",
    "m_total": "符合条件", "m_overdue": "超时", "m_warning": "预警", "m_shown": "显示",
    "truncated": "仅显示剩余时间最少的 {n} 条，请缩小筛选范围。", "frozen": "已选中案件：列表暂停刷新，取消选择后恢复。",
    "queue_empty": "没有符合条件的案件。", "open_link": "打开", "open_case": "打开案件 {code}",
    "batch_title": "**批量处理**（已选 {n} 件）", "batch_op": "操作", "batch_accept": "受理", "batch_merge": "合并",
    "batch_cancel": "作废 / 不予立案", "batch_go": "执行", "batch_need_reason": "请填写原因。",
    "merge_hint": "其余案件将并入第一件所选案件 {code}。", "merge_need_two": "合并至少需要选择两件案件。",
    "export_csv": "导出 CSV", "export_xlsx": "导出 Excel", "sheet_cases": "案件",
    # case detail
    "find_code": "案件编号", "code_hint": "例如 20261122-0001", "enter_code": "请输入案件编号，或从案件队列打开案件。",
    "bad_code": "案件编号格式不正确：“{code}”（应为 8 位日期-序号，例如 20261122-0001）。",
    "case_unknown": "未找到案件 {code}。", "no_permission": "无权限：该案件不属于本部门。",
    "actions": "可执行操作", "choose_action": "选择操作", "no_actions": "当前角色对该案件暂无可执行的操作。",
    "work_kind": "工作类型", "level": "办理层级", "place": "街道 / 社区 / 网格", "handle_deadline": "处置时限",
    "supervise_note": "督办说明", "counts": "延期/返工/回退", "counts_text": "{p} / {r} / {b} 次",
    "closed_at": "结案时间", "close_type": "结案类型", "satisfaction": "满意度",
    "sat_levels": ["很不满意", "不满意", "基本满意", "满意", "很满意"], "not_asked": "未回访",
    "no_position": "该案件没有位置信息。", "nearest": "附近在岗网格员（可派核查）", "no_workers": "附近暂无在线网格员。",
    "worker": "网格员", "distance": "距离", "responsible": "本网格", "last_seen": "定位时间",
    "tab_timeline": "办理过程", "tab_photos": "照片与截图", "tab_whistles": "吹哨报到", "tab_alerts": "关联告警",
    "tab_requests": "申请记录", "step_photo": "第 {seq} 步附件", "no_whistles": "本案未吹哨。",
    "no_alerts": "本案没有关联的视频告警。", "no_requests": "本案没有延期、回退、挂账等申请。",
    "alert_id": "告警编号", "alert_type": "告警类型", "score": "置信度", "camera": "摄像头", "event_at": "告警时间",
    "split_which": "拆出告警", "split_go": "拆分为新案件", "merged_case": "已并入本案：{code} {title}",
    "request": "申请", "requested_at": "申请时间", "decision": "审批意见",
    "request_line": "{dept} 申请{kind}：{reason}{extra}", "extra": "（延长 {m} 分钟）",
    "category": "类别", "urgency": "紧急程度", "dept": "处置部门", "photos": "照片（jpg/png/webp，每张不超过 5 MB）",
    "photo": "照片（可选，jpg/png/webp，不超过 5 MB）", "special_close": "特殊结案",
    "verify_result": "核查结果", "verify_pass": "已解决", "verify_fail": "未解决",
    "extra_minutes": "延长时间（分钟）", "merge_other": "并入本案的案件编号",
    "whistle_lead": "牵头单位", "whistle_co": "协办单位", "whistle_reason": "吹哨原因",
    "whistle_deadline": "{dept}（{tier}）报到时限（分钟）", "whistle_role": "角色", "checkin_deadline": "报到时限",
    "checked_in": "报到", "result": "办理结果", "returned": "回退原因",
    "act_done": "{code}：已{action}，当前状态：{state}。", "act_split_done": "已拆分为新案件 {code}。",
    "upload_too_big": "照片超过 {mb} MB，未保存。", "upload_bad_type": "“{name}”不是可识别的 JPEG/PNG/WebP 图片，未保存。",
    # department desk
    "desk_title": "部门工作台 · {dept}", "desk_dept": "查看部门", "desk_choose_dept": "请选择要查看的部门。",
    "desk_read_only": "只读查看：办理操作仅限本部门账户。", "desk_tab_cases": "本部门案件",
    "desk_tab_whistles": "吹哨报到", "desk_no_cases": "本部门暂无在办案件。", "desk_pick_case": "在表格中选择一件案件进行办理。",
    "desk_no_whistles": "本部门暂无进行中的吹哨。", "whistle_finished": "本部门在该吹哨中的工作已完成。",
    "m_open": "在办", "m_dispatched": "近期派遣", "m_closed": "近期结案", "m_ontime_close": "按期结案率",
    "m_ontime_steps": "环节按时率", "m_ontime_checkin": "报到及时率",
    "figures_note": "统计近 {days} 天；“在办”“超时”为当前数。",
    # basic data (admin)
    "adm_title": "基础数据", "adm_tab_grids": "网格", "adm_tab_staff": "人员", "adm_tab_depts": "部门",
    "adm_tab_cameras": "摄像头", "adm_tab_categories": "事项类别与时限", "adm_tab_calendars": "工作日历",
    "adm_tab_import": "数据导入", "adm_tab_unreg": "未登记设备", "adm_tab_health": "接入健康",
    "adm_rows": "共 {n} 条", "adm_code": "编码", "adm_name": "名称", "adm_kind": "类型", "adm_households": "户数",
    "adm_population": "人口", "adm_staff_count": "网格员数", "adm_role": "岗位", "adm_area": "所属区域",
    "adm_grids": "负责网格", "adm_active": "启用", "adm_tier": "级别", "adm_duty_phone": "值班电话",
    "adm_checkin_minutes": "报到时限（分钟）", "adm_vendor": "厂商", "adm_lon": "经度", "adm_lat": "纬度",
    "adm_level": "层级", "adm_clock": "计时方式", "adm_urgent": "紧急", "adm_default_dept": "默认处置部门",
    "adm_limit_filing_min": "立案时限", "adm_limit_dispatch_min": "派遣时限", "adm_limit_sign_min": "签收时限",
    "adm_limit_handle_min": "处置时限", "adm_limit_check_min": "核查时限",
    "adm_edit_dept": "修改部门值班电话、报到时限或启用状态", "adm_edit_limits": "修改类别时限（分钟）",
    "adm_limits_note": "按{clock}计算；修改只影响此后开始的环节，已定的时限不变。",
    "adm_calendar": "日历", "adm_tz": "时区", "adm_periods": "工作时段", "adm_default": "默认",
    "adm_day": "日期", "adm_day_kind": "类型", "adm_day_name": "节日名称", "adm_kind_holiday": "节假日",
    "adm_kind_workday": "调休上班", "adm_day_set": "添加/修改该日", "adm_day_delete": "删除该日",
    "adm_import_kind": "导入类型", "adm_import_file": "选择文件（CSV、Excel 或 GeoJSON）", "adm_import_go": "导入",
    "adm_import_ok": "导入成功：共 {rows} 行，新增 {ins}，更新 {upd}。",
    "adm_import_failed": "导入未执行：发现 {n} 处问题，整个文件未写入。请修改后重新导入。",
    "adm_row": "行号", "adm_whole_file": "整个文件", "adm_ignored": "未识别的列（已忽略）：{cols}",
    "adm_unreg_none": "接入服务没有遇到未登记的设备或编码。", "adm_unreg_pick": "在表格中选择一行进行登记或对应。",
    "adm_unreg_kind": "类型", "adm_source": "来源", "adm_external_id": "外部编号", "adm_seen": "次数",
    "adm_first_seen": "首次出现", "adm_last_seen": "最近出现", "adm_topic": "主题",
    "adm_ukind_camera": "摄像头", "adm_ukind_staff": "人员", "adm_ukind_device": "终端设备",
    "adm_ukind_alert_type": "告警类型", "adm_ukind_category": "事项类别", "adm_ukind_department": "部门",
    "adm_ukind_grid": "网格",
    "adm_unreg_import": "未知的{kind}编码：请通过“数据导入”补充基础数据（或在上报端更正编码）。",
    "adm_unreg_missing": "该记录不存在、类型不符或目标已停用，请刷新后重试。",
    "adm_map_camera": "对应到", "adm_new_camera": "新建摄像头", "adm_camera_code_in": "国标编码（20 位数字）",
    "adm_camera_name": "摄像头名称", "adm_map_staff": "对应人员", "adm_map_type": "对应告警类型", "adm_register": "登记",
    "adm_camera_code": "摄像头编码必须是 20 位数字（GB/T 28181）。", "adm_code_taken": "编码 {code} 已被其他设备使用。",
    "adm_bad_position": "经纬度须成对填写，且在有效范围内。",
    "adm_health_window": "近 {m} 分钟，每个接入进程一行（速率为每秒条数）。",
    "adm_no_ingest": "近 {m} 分钟没有接入进程上报运行数据：接入服务可能未运行。",
    "adm_worker": "接入进程", "adm_received_s": "接收/秒", "adm_received_n": "接收", "adm_stored_n": "入库",
    "adm_rejected_n": "拒收", "adm_duplicates": "重复", "adm_lag_p95": "延迟 P95 最高（毫秒）",
    "adm_lag_max": "最大延迟（毫秒）",
    "adm_last_report": "最近上报", "adm_dl_open_only": "只看未重放的死信",
    "adm_dl_counts": "死信共 **{total}** 条，其中未重放 **{open}** 条。", "adm_received": "收到时间",
    "adm_size": "字节", "adm_replayed": "重放时间", "adm_replay_result": "重放结果", "adm_preview": "内容预览",
    "adm_replay_button": "重放选中的 {n} 条死信",
    "adm_replay_waiting": "已请求重放，等待接入服务处理",
    "adm_replay_none": "选中的死信都已重放过，无需再次重放。",
    "adm_replay_how": "修正映射或数据后，选中表格中的行并点击上面的按钮，接入服务会在几秒内重放并写回结果；"
                      "也可以在服务器上运行下面的命令批量处理（未选中时为全部未重放死信的试运行）。",
    "adm_dl_id": "编号",
}

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

"""Workflow engine messages: actions, parameters, refusals, assessment columns."""
from __future__ import annotations

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

"""The demo category tree (one active version): urban-management events and governance events with time limits.

Codes are 2-digit 大类 + 2-digit 小类, shaped like the urban-management event classification; they are demo
codes, not a copy of a standard's table. Limits are minutes on the category's clock (working time unless
the class is urgent, which runs on natural time, 24x7).
"""
from __future__ import annotations

VERSION_NAME = "演示分类标准（2025版）"

# (code, name, domain)
MAJORS = (
    ("01", "市容环境", "urban"), ("02", "宣传广告", "urban"), ("03", "施工管理", "urban"),
    ("04", "突发事件", "urban"), ("05", "街面秩序", "urban"),
    ("11", "矛盾纠纷", "governance"), ("12", "安全隐患", "governance"), ("13", "特殊人群走访", "governance"),
    ("14", "消防与应急", "governance"),
)

# (code, name, handling limit, work kind, urgent, default department, filing conditions, closing conditions)
MINORS = (
    ("0101", "暴露垃圾", 480, "general", False, "hwzx",
     "公共区域裸露堆放生活垃圾，面积超过0.5平方米或存在超过2小时", "垃圾清除干净，现场无残留、无异味"),
    ("0102", "积存垃圾渣土", 960, "general", False, "hwzx",
     "道路、绿地、空地积存垃圾或渣土，体积超过1立方米", "垃圾渣土全部清运，地面恢复整洁"),
    ("0103", "道路不洁", 120, "general", False, "hwzx",
     "车行道、人行道有明显污渍、油渍或散落物，面积超过1平方米", "路面清扫冲洗干净，无明显污渍"),
    ("0104", "垃圾桶满溢", 240, "general", False, "hwzx",
     "垃圾桶（箱）满溢，垃圾散落桶外", "垃圾已清运，桶体复位，周边清扫干净"),
    ("0105", "乱堆物堆料", 960, "general", False, "cgzf",
     "在道路、楼道、公共场地擅自堆放物料，影响通行或市容", "堆放物清理完毕，场地恢复原状"),
    ("0106", "沿街晾晒", 480, "general", False, "cgzf",
     "临街阳台外、窗外或道路两侧吊挂晾晒衣物、被褥，影响市容", "晾晒物已收回，已告知当事人"),
    ("0107", "违章搭建", 7200, "approval", False, "cgzf",
     "未经规划许可在建筑物、道路、绿地等处搭建建（构）筑物，经现场核实", "违章建筑已拆除或依法补办手续，现场核查确认"),
    ("0201", "违规广告", 2400, "coordination", False, "cgzf",
     "户外广告、店招牌匾、条幅未经审批设置，或破损、超期未拆除", "违规广告已拆除或整改到位"),
    ("0202", "非法小广告", 480, "general", False, "cgzf",
     "在建筑物、公共设施、树木上张贴、涂写、刻画小广告", "小广告已清除，墙面和设施无残留"),
    ("0301", "施工扰民", 480, "coordination", False, "zjj",
     "夜间（22时至次日6时）未经许可施工，或施工噪声超标影响居民休息", "施工已停止或已取得夜间施工许可，噪声达标"),
    ("0302", "工地扬尘", 480, "general", False, "zjj",
     "施工工地未落实围挡、覆盖、冲洗、洒水等防尘措施，产生明显扬尘", "防尘措施落实到位，现场无明显扬尘"),
    ("0303", "道路遗撒", 240, "general", False, "cgzf",
     "渣土、砂石运输车辆沿途遗撒，污染路面", "遗撒物清除，路面清洗干净"),
    ("0304", "占道施工", 960, "coordination", False, "cgzf",
     "未经许可占用道路施工，或超出审批范围、期限", "施工已停止或补办许可，道路恢复通行"),
    ("0401", "道路破损", 2400, "general", False, "szzx",
     "车行道、人行道出现坑槽、破损或沉陷，面积超过0.5平方米", "路面修复平整，经验收合格"),
    ("0402", "井盖缺失", 240, "emergency", True, "szzx",
     "窨井盖缺失、破损或移位，存在坠落危险", "井盖已补齐复位；修复前现场设置警示围挡"),
    ("0403", "积水", 240, "emergency", True, "slj",
     "道路、下穿通道或小区积水深度超过15厘米，或影响车辆行人通行", "积水已排除，通行恢复正常"),
    ("0404", "供水管道破裂", 240, "emergency", True, "zls",
     "供水管道破裂漏水，路面冒水或影响周边供水", "管道已抢修，恢复供水，路面无冒水"),
    ("0501", "占道经营", 240, "general", False, "cgzf",
     "在道路、广场等公共场所摆摊设点、占道经营", "摊点已清离，现场恢复通行"),
    ("0502", "无照经营游商", 120, "general", False, "cgzf",
     "流动摊贩无照经营、沿街兜售", "游商已劝离，现场无摊点"),
    ("0503", "店外经营", 240, "general", False, "cgzf",
     "临街店铺超出门窗、外墙经营或摆放商品", "经营活动已退回店内"),
    ("0504", "机动车乱停放", 120, "general", False, "jjdd",
     "机动车在人行道、消防车通道、禁停区域停放，影响通行", "车辆已驶离或已依法处理"),
    ("0505", "非机动车乱停放", 120, "general", False, "cgzf",
     "非机动车、共享单车在盲道、出入口、车行道乱停乱放", "车辆已规整摆放，通道畅通"),
    ("1101", "邻里纠纷", 2400, "coordination", False, "sfj",
     "邻里之间因噪声、漏水、通行、宠物等产生纠纷，当事人申请调解", "双方达成调解协议或纠纷已化解，当事人确认"),
    ("1102", "物业纠纷", 4800, "coordination", False, "zjj",
     "业主与物业服务企业因收费、服务质量、公共收益等产生纠纷", "纠纷已调处，双方认可处理结果"),
    ("1103", "劳资纠纷", 4800, "coordination", False, "rsj",
     "拖欠工资、劳动报酬等劳资纠纷，需要协调处置", "欠薪已支付或已进入仲裁、诉讼程序并告知当事人"),
    ("1104", "婚姻家庭纠纷", 2400, "coordination", False, "fl",
     "婚姻、赡养、抚养等家庭矛盾，存在激化风险", "矛盾已调解缓和，已落实跟踪回访"),
    ("1201", "消防通道占用", 240, "general", False, "xfjy",
     "消防车通道、疏散通道被车辆或杂物占用、堵塞", "通道清理畅通，复查无占用"),
    ("1202", "电动车进楼入户", 480, "general", False, "xfjy",
     "电动自行车在楼道、电梯、室内停放或充电", "电动车已移出，已宣传告知住户"),
    ("1203", "高空抛物", 960, "coordination", False, "gafj",
     "发现高空抛物、坠物行为或痕迹，危及公共安全", "行为人已查明并教育处理，或已落实防范措施"),
    ("1204", "燃气隐患", 120, "emergency", True, "rqgs",
     "燃气泄漏、燃气设施老化破损或违规使用瓶装燃气", "隐患已排除，燃气设施检测正常"),
    ("1301", "刑满释放人员", 2400, "general", False, "sfj",
     "刑满释放人员按期走访帮扶，或发现异常情况", "走访完成并记录，异常情况已报告处理"),
    ("1302", "社区矫正", 2400, "general", False, "sfj",
     "社区矫正对象按期走访，或发现脱管、违规情况", "走访完成并记录，违规情况已移交司法所"),
    ("1303", "严重精神障碍患者", 960, "coordination", False, "wjw",
     "严重精神障碍患者随访，或发现服药中断、肇事肇祸倾向", "随访完成，已落实监护和医疗措施"),
    ("1304", "吸毒人员", 2400, "coordination", False, "gafj",
     "社区戒毒、社区康复人员走访，或发现复吸迹象", "走访完成，异常情况已移交公安机关"),
    ("1401", "火灾", 120, "emergency", True, "xfjy",
     "发现建筑、车辆、草地等起火", "明火扑灭，现场无复燃风险，伤亡损失已上报"),
    ("1402", "烟雾明火", 60, "emergency", True, "xfjy",
     "视频或巡查发现烟雾、明火（含焚烧垃圾、违规用火）", "明火熄灭，已查明原因并处理"),
    ("1403", "人员倒地", 60, "emergency", True, "jjzx",
     "公共区域发现人员倒地不起，需要救助", "人员已送医或确认无碍，已联系家属"),
    ("1404", "肢体冲突", 60, "emergency", True, "gafj",
     "公共区域发生打架斗殴等肢体冲突", "冲突已制止，当事人已依法处理"),
    ("1405", "人员聚集", 120, "emergency", True, "gafj",
     "人员异常聚集（约20人以上），可能引发群体性事件或踩踏", "人员已疏散，诉求已登记并转办"),
)

NORMAL_LIMITS = {"limit_filing_min": 30, "limit_dispatch_min": 30, "limit_sign_min": 60, "limit_check_min": 60}
URGENT_LIMITS = {"limit_filing_min": 10, "limit_dispatch_min": 10, "limit_sign_min": 30, "limit_check_min": 60}


def category_rows() -> list[dict]:
    """Majors first, then minors with parent_code and default department code (resolved at load)."""
    domains = {code: domain for code, _, domain in MAJORS}
    rows = [{"code": code, "parent_code": None, "level": "major", "domain": domain, "name": name,
             "clock_mode": "working", "work_kind": "general", "urgent": False, "default_dept_code": None}
            for code, name, domain in MAJORS]
    for code, name, handle, kind, urgent, dept, filing, closing in MINORS:
        rows.append({
            "code": code, "parent_code": code[:2], "level": "minor", "domain": domains[code[:2]], "name": name,
            "filing_conditions": filing, "closing_conditions": closing,
            "clock_mode": "natural" if urgent else "working", "work_kind": kind, "urgent": urgent,
            **(URGENT_LIMITS if urgent else NORMAL_LIMITS), "limit_handle_min": handle,
            "default_dept_code": dept,
        })
    return rows

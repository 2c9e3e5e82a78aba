"""Messages of the db command line (status, importers, backup, users) and import error reasons."""
from __future__ import annotations

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

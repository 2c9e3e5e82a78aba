"""Partition maintenance and retention (issue 7): the ingest worker's maintenance thread and `python -m ingest
maintain`."""

RETENTION = {
    "maintain": "维护分区：创建本月及此后数月的分区，按保留期整块删除过期分区（不逐行删除），然后退出",
    "help_now": "按此时间（ISO 8601，带时区）维护，默认当前时间；用于核对",
    "created": "已创建分区 {table}：{names}",
    "dropped": "已按保留期删除分区 {table}：{names}（保留 {days} 天）",
    "default_rows": "{table} 的默认分区中有 {n} 行（无时间或早于保留期的数据），不会被保留期删除",
    "task_failed": "定时维护任务 {task} 失败（{error}），{interval:.0f} 秒后再试",
    "summary": "分区维护完成：新建 {created} 个，删除 {dropped} 个",
    "not_partitioned": "数据库尚未升级到分区表（{table}），跳过分区维护；请先运行 python -m db migrate",
}

"""Report labels in Chinese and English; the default language follows the rubric's."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

LANGUAGES = ("zh", "en")

_ROWS: tuple[tuple[str, str, str], ...] = (
    # (key, zh, en)
    ("title", "客服质检报告", "Customer service QA report"),
    ("team_report", "团队质检总览", "Team QA overview"),
    ("agent_report", "客服个人质检报告", "Agent QA review"),
    ("summary_sheet", "团队汇总", "Team summary"),
    ("conversations_sheet", "会话明细", "Conversations"),
    ("lost_sheet", "失分明细", "Points lost"),
    ("trust_sheet", "可信度与申诉", "Agreement and disputes"),
    ("leaderboard", "排行榜", "Leaderboard"),
    ("team_averages", "团队平均", "Team averages"),
    ("heatmap", "维度得分热力图（客服 × 维度）", "Section scores heat map (agent × section)"),
    ("period", "统计周期", "Period"),
    ("generated", "生成时间", "Generated"),
    ("rubric", "评分表", "Rubric"),
    ("weighted_note", "质检得分按抽样概率倒数加权", "QA scores weighted by inverse inclusion probability"),
    ("rank", "排名", "Rank"),
    ("agent", "客服", "Agent"),
    ("agent_id", "工号", "Agent ID"),
    ("team", "团队", "Team"),
    ("all_agents", "全部客服", "All agents"),
    ("no_team", "未分组", "No team"),
    ("n_conversations", "会话数", "Conversations"),
    ("n_graded", "质检数", "Graded"),
    ("qa_mean", "质检均分", "QA score"),
    ("qa_median", "中位数", "Median"),
    ("qa_std", "标准差", "Std dev"),
    ("ci", "95% 置信区间", "95% CI"),
    ("ci_low", "置信下限", "CI low"),
    ("ci_high", "置信上限", "CI high"),
    ("critical_failures", "一票否决", "Critical failures"),
    ("n_review", "待人工复核", "Awaiting review"),
    ("n_human", "人工已评", "Human-graded"),
    ("n_auto_only", "仅自动评分", "Automatic only"),
    ("auto_mean", "自动评分均分", "Automatic QA score"),
    ("frt_mean_s", "首次响应(分:秒)", "First response (m:s)"),
    ("art_mean_s", "平均响应(分:秒)", "Avg response (m:s)"),
    ("handle_mean_s", "平均处理时长(分:秒)", "Avg handle time (m:s)"),
    ("sla_rate", "SLA 达标率", "Within SLA"),
    ("transfer_rate", "转接率", "Transfer rate"),
    ("csat_mean", "满意度均值", "CSAT"),
    ("csat_n", "满意度样本", "CSAT responses"),
    ("complaint_rate", "投诉率", "Complaint rate"),
    ("escalation_rate", "升级率", "Escalation rate"),
    ("fcr_rate", "首次解决率", "First-contact resolution"),
    ("risk_flags", "风险会话", "Risk flags"),
    ("not_enough_data", "样本不足", "not enough data"),
    ("kpis", "关键指标（个人 vs 团队）", "KPIs (agent vs team)"),
    ("kpi", "指标", "KPI"),
    ("value", "个人", "Agent"),
    ("team_value", "团队", "Team"),
    ("diff", "差值", "Difference"),
    ("sections", "各维度得分", "Section scores"),
    ("section", "维度", "Section"),
    ("trend", "周度趋势", "Weekly trend"),
    ("trend_month", "月度趋势", "Monthly trend"),
    ("weakest", "辅导重点（低于团队最多的评分项）", "Coaching focus (criteria furthest below team)"),
    ("criterion", "评分项", "Criterion"),
    ("pass_rate", "通过率", "Pass rate"),
    ("team_pass_rate", "团队通过率", "Team pass rate"),
    ("gap", "差距", "Gap"),
    ("n_fail", "不通过次数", "Failures"),
    ("n_pass", "通过次数", "Passes"),
    ("findings", "风险与一票否决会话", "Flagged and critical sessions"),
    ("kind", "类型", "Type"),
    ("evidence", "证据", "Evidence"),
    ("note", "说明", "Note"),
    ("transcript", "对话记录", "Transcript"),
    ("open_transcript", "查看对话", "open transcript"),
    ("exemplars", "标杆案例", "Excellent sessions"),
    ("conversation", "会话", "Conversation"),
    ("conversation_id", "会话编号", "Conversation ID"),
    ("channel", "渠道", "Channel"),
    ("started_at", "开始时间", "Started"),
    ("total", "得分", "Score"),
    ("band", "等级", "Band"),
    ("csat", "满意度", "CSAT"),
    ("complaint", "投诉", "Complaint"),
    ("escalated", "升级", "Escalated"),
    ("risk_score", "风险分", "Risk score"),
    ("sampled", "抽检", "Sampled"),
    ("stratum", "抽样层", "Stratum"),
    ("frt_s", "首次响应(分:秒)", "First response (m:s)"),
    ("handle_s", "处理时长(分:秒)", "Handle time (m:s)"),
    ("critical_criteria", "否决项", "Critical criteria"),
    ("none", "无", "none"),
    ("distribution", "得分分布", "Score distribution"),
    ("band_distribution", "等级分布", "Bands"),
    ("csat_distribution", "满意度分布", "CSAT distribution"),
    ("agents", "客服个人报告", "Agent reports"),
    ("quality", "质量", "Quality"),
    ("efficiency", "效率", "Efficiency"),
    ("outcome", "结果", "Outcome"),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    ("masked_note", "客户个人信息已脱敏", "Customer personal data masked"),
    ("unmasked_note", "注意：未脱敏，含客户个人信息", "Warning: NOT masked, contains personal data"),
    ("critical_only", "一票否决会话（最近 50 条）", "Critical failures (latest 50)"),
    (
        "listed_note",
        "会话明细只列出 {shown} / {total} 条：先列风险、否决和标杆会话，再列抽检会话和最近的会话",
        "The conversations sheet lists {shown} of {total}: flagged, critical and excellent sessions "
        "first, then sampled and the most recent ones",
    ),
    (
        "lost",
        "失分明细（每一处扣分及证据，含人工推翻与申诉）",
        "Points lost (every deduction with its evidence; overturned and disputed ones included)",
    ),
    (
        "agreement_note",
        "影子(shadow)评分项只展示、不计分；κ 与 n 来自 qa rubric promote 记录的评估。",
        "Shadow criteria are shown, not counted; n and κ are what `qa rubric promote` recorded.",
    ),
    ("points_lost", "失分", "Points lost"),
    ("source", "来源", "Source"),
    ("auto_outcome", "自动结果", "Automatic outcome"),
    ("match", "命中", "Match"),
    ("grader", "质检员", "Grader"),
    ("comment", "质检备注", "Grader's comment"),
    ("grading_state", "人工质检进度", "Grading"),
    ("back", "返回团队总览", "Back to team overview"),
    ("disputes", "申诉（按客服）", "Disputes by agent"),
    ("disputes_by_criterion", "申诉（按评分项）", "Disputes by criterion"),
    ("disputes_agent", "申诉", "Disputes"),
    ("filed", "申诉数", "Filed"),
    ("open", "待裁定", "Open"),
    ("accepted", "成立", "Accepted"),
    ("partly", "部分成立", "Partly"),
    ("rejected", "驳回", "Rejected"),
    ("dispute_note", "申诉理由 · 裁定说明", "Agent's reason · lead's note"),
    ("agreement", "评分项可信度（与人工评分的一致性）", "Criterion agreement with the graders"),
    ("status", "状态", "Status"),
    ("n_compared", "对比会话数 n", "n compared"),
    ("kappa", "Cohen κ", "Cohen's κ"),
    ("measured", "评估日期", "Measured"),
    ("not_measured", "未评估", "not measured"),
    ("human_graded", "人工评分", "human grades"),
)
_LABELS: dict[str, tuple[str, str]] = {key: (zh, en) for key, zh, en in _ROWS}


#: CodedStrings of a field's values, looked up as "<field>_<value>" (``source_graded``, ``outcome_fail``):
#: (field, value, zh, en).
_VALUES: tuple[tuple[str, str, str, str], ...] = (
    ("kind", "critical", "一票否决", "Critical failure"),
    ("kind", "critical_pending", "一票否决待复核", "Critical, pending review"),
    ("kind", "risk", "风险预警", "Risk flag"),
    ("role", "agent", "客服", "agent"),
    ("role", "customer", "客户", "customer"),
    ("role", "bot", "机器人", "bot"),
    ("role", "system", "系统", "system"),
    ("source", "auto", "自动", "automatic"),
    ("source", "graded", "人工评分", "graded"),
    ("source", "confirmed", "否决已确认", "critical confirmed"),
    ("source", "pending", "否决待复核", "critical pending"),
    ("source", "overturned", "否决已推翻", "critical overturned"),
    ("outcome", "fail", "不通过", "fail"),
    ("outcome", "pass", "通过", "pass"),
    ("outcome", "na", "不适用", "n/a"),
    ("outcome", "review", "待人工", "review"),
    ("dispute", "open", "申诉待裁定", "disputed: open"),
    ("dispute", "accepted", "申诉成立", "disputed: accepted"),
    ("dispute", "partly", "申诉部分成立", "disputed: partly accepted"),
    ("dispute", "rejected", "申诉驳回", "disputed: rejected"),
    ("status", "live", "计分", "live"),
    ("status", "shadow", "影子（不计分）", "shadow (not counted)"),
    ("status", "manual", "人工评分", "graded by people"),
)
_LABELS.update({f"{field}_{value}": (zh, en) for field, value, zh, en in _VALUES})


_BY_LANGUAGE = {
    lang: MappingProxyType({key: pair[i] for key, pair in _LABELS.items()}) for i, lang in enumerate(LANGUAGES)
}


def labels(lang: str) -> Mapping[str, str]:
    """All labels in ``lang`` (zh or en), built once: a report reads them tens of thousands of times."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language '{lang}' (zh or en)")
    return _BY_LANGUAGE[lang]


def language_for(rubric_language: str | None) -> str:
    """The report language for a rubric language such as ``zh-CN`` or ``en``; zh otherwise."""
    code = (rubric_language or "zh").lower()
    return "en" if code.startswith("en") else "zh"

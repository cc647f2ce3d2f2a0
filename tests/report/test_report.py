"""Reports opened the way a user does: the workbook read back with openpyxl, the HTML parsed."""

from html.parser import HTMLParser

import openpyxl
import pandas as pd
import pytest
from metric_frames import make_frames
from openpyxl.cell.rich_text import CellRichText, TextBlock

from qa_toolkit import frames
from qa_toolkit.metrics import MetricOptions, compute_metrics
from qa_toolkit.report import ReportInput, charts
from qa_toolkit.report.html import highlight, write_html
from qa_toolkit.report.view import fmt
from qa_toolkit.report.xlsx import write_xlsx

PHONE = "13812345678"
NASTY = [
    "=HYPERLINK(\"http://evil.example\",\"点我\")",
    "+1 555 0100",
    "@SUM(A1:A2)",
    "-2+3",
    f"我的电话 {PHONE} <script>alert(1)</script>",
]


@pytest.fixture()
def rep():
    conv, msgs, scores, results, roster = make_frames()
    extra = frames.conform(
        pd.DataFrame(
            {
                "conversation_id": ["c1"] * len(NASTY),
                "seq": range(10, 10 + len(NASTY)),
                "ts": [pd.Timestamp("2026-03-02 09:08", tz="Asia/Shanghai")] * len(NASTY),
                "role": ["customer"] * len(NASTY),
                "text": NASTY,
            }
        ),
        frames.MESSAGES,
    )
    msgs = pd.concat([msgs, extra], ignore_index=True)
    results.loc[results["criterion_id"] == "pii", ["evidence_text", "evidence_match"]] = [
        f"客户电话是 {PHONE} <script>alert(1)</script>",
        PHONE,
    ]
    risk = pd.DataFrame(
        {
            "conversation_id": ["c2"],
            "risk_score": [0.9],
            "risk_flag": [True],
            "risk_reasons": ["客户提到“投诉” <img src=x onerror=alert(1)>"],
        }
    )
    roster.loc[0, "name"] = "张三<b>"
    m = compute_metrics(conv, msgs, scores, results, roster=roster, risk=risk, options=MetricOptions(min_graded=2))
    return ReportInput(
        m,
        msgs,
        lang="zh",
        section_names={"att": "服务态度"},
        criterion_names={"pii": "泄露客户信息"},
        rubric_label="电商 v1",
        generated="2026-11-24 10:00",
    )


def _cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def test_workbook_sheets_charts_and_formats(rep, tmp_path):
    paths = write_xlsx(rep, tmp_path, per_agent=True)
    assert [p.name for p in paths] == ["report.xlsx", "a1.xlsx", "a2.xlsx"]
    wb = openpyxl.load_workbook(tmp_path / "report.xlsx")
    assert wb.sheetnames == ["团队汇总", "可信度与申诉", "a1 张三<b>", "a2 李四", "失分明细", "会话明细"]
    for name in ("a1 张三<b>", "a2 李四"):
        kinds = sorted(type(c).__name__ for c in wb[name]._charts)
        assert kinds == ["BarChart", "LineChart"]
        line = next(c for c in wb[name]._charts if type(c).__name__ == "LineChart")
        assert line.series and not any(s.smooth for s in line.series)  # straight lines between the periods
    summary = wb["团队汇总"]
    assert summary.freeze_panes is not None and summary.auto_filter.ref
    assert len(summary.conditional_formatting) >= 3
    conv = wb["会话明细"]
    assert conv.auto_filter.ref.startswith("A1:") and conv.freeze_panes == "B2"
    # leaderboard numbers are the metrics' numbers
    header = next(r for r in summary.iter_rows(min_row=1, max_row=10) if r[1].value == "工号")
    row = header[0].row + 1
    assert summary.cell(row, 2).value == "a1" and summary.cell(row, 6).value == rep.metrics.agent("a1")["qa_mean"]
    assert summary.cell(row, 6).number_format == "0.0"


def test_workbook_has_no_formula_from_customer_text_and_masks(rep, tmp_path):
    write_xlsx(rep, tmp_path, per_agent=True)
    for path in [tmp_path / "report.xlsx", *sorted((tmp_path / "agents").glob("*.xlsx"))]:
        wb = openpyxl.load_workbook(path)
        texts = []
        for cell in _cells(wb):
            assert cell.data_type != "f", (path.name, cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                texts.append(cell.value)
                if cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.quotePrefix, cell.value
        blob = "\n".join(texts)
        assert PHONE not in blob
        if path.name != "a2.xlsx":  # a2 has neither the transcript nor the evidence
            assert "138****5678" in blob
    conv = openpyxl.load_workbook(tmp_path / "report.xlsx")["会话明细"]
    row = next(c.row for c in conv["A"] if c.value == "c1")
    transcript = conv.cell(row, conv.max_column).value
    assert "客户: =HYPERLINK(" in transcript and "138****5678" in transcript  # kept as text, masked


def test_flagged_sessions_link_to_their_transcript_row(rep, tmp_path):
    write_xlsx(rep, tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "report.xlsx")
    links = [c for c in _cells(wb) if c.hyperlink is not None and c.hyperlink.location]
    assert {c.value for c in links} >= {"c4", "c2", "c1"}
    for cell in links:
        sheet, ref = cell.hyperlink.location.rsplit("!", 1)
        target = wb[sheet.strip("'")][ref]
        assert target.value == cell.value


def test_long_conversation_lists_keep_the_linked_sessions(rep, tmp_path, monkeypatch):
    from qa_toolkit.report import view

    listed, total = view.listed_sessions(rep, ["a1", "a2"], cap=2)
    assert total == 4 and sorted(listed["conversation_id"]) == ["c2", "c4"]  # risk flag, critical failure
    monkeypatch.setattr(view, "MAX_LISTED", 1)
    monkeypatch.setattr(view.listed_sessions, "__defaults__", (1,))
    write_xlsx(rep, tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "report.xlsx")
    assert wb["会话明细"].max_row == 2 and "1 / 4" in wb["团队汇总"]["A3"].value


def test_findings_limit_keeps_critical_first(rep):
    from qa_toolkit.report import view

    assert view.findings(rep, limit=1)["conversation_id"].tolist() == ["c4"]
    assert view.findings(rep)["conversation_id"].tolist() == ["c2", "c4"]


def test_distributions_in_reading_order(rep):
    from qa_toolkit.metrics import ALL
    from qa_toolkit.report import view

    assert view.distribution(rep, "team", ALL, "csat") == [("1", 0), ("2", 1), ("3", 0), ("4", 1), ("5", 1)]
    rep.band_order = ["优秀", "良好", "合格", "不合格"]
    assert [v for v, _ in view.distribution(rep, "agent", "a2", "band")] == rep.band_order
    assert view.distribution(rep, "agent", "a2", "score_bin")[0] == ("0-59", 1)


def test_unmasked_when_asked(rep, tmp_path):
    rep.mask = False
    write_xlsx(rep, tmp_path)
    blob = "\n".join(str(c.value) for c in _cells(openpyxl.load_workbook(tmp_path / "report.xlsx")))
    assert PHONE in blob


class _Page(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.tags, self.scripts, self.marks, self.by_id, self.metric = [], 0, [], {}, {}
        self._stack = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self.scripts += tag == "script"
        self._stack.append((tag, attrs, []))

    def handle_endtag(self, tag):
        while self._stack:
            t, attrs, text = self._stack.pop()
            content = "".join(text).strip()
            if t == "mark":
                self.marks.append(content)
            if "id" in attrs:
                self.by_id[attrs["id"]] = content
            if "data-metric" in attrs and t == "tr":
                self.metric[attrs["data-metric"]] = content
            if self._stack:
                self._stack[-1][2].append(content + " ")
            if t == tag:
                break

    def handle_data(self, data):
        if self._stack:
            self._stack[-1][2].append(data)


def test_html_pages_escape_and_match_metrics(rep, tmp_path):
    paths = write_html(rep, tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in paths) == [
        "agents/a1.html",
        "agents/a2.html",
        "index.html",
    ]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        page = _Page(text)
        assert page.scripts == 0 and "<script>alert" not in text and "<img src=x" not in text
        assert PHONE not in text
        csp = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
        assert csp and csp[0]["content"] == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        assert not any(
            a.get("src", "").startswith("http") or a.get("href", "").startswith("http") for _, a in page.tags
        )
    a2 = _Page((tmp_path / "agents/a2.html").read_text(encoding="utf-8"))
    m = rep.metrics
    assert a2.by_id["qa-mean"] == fmt(m.agent("a2")["qa_mean"], "score") == "40.0"
    assert a2.marks == ["138****5678"] * 2  # the critical finding, and the same point lost in the lost-points table
    kpi = a2.metric["sla_rate"].split()
    assert kpi[-3:-1] == [fmt(m.agent("a2")["sla_rate"], "rate"), fmt(m.team_of("a2")["sla_rate"], "rate")]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "张三&lt;b&gt;" in index and 'href="agents/a1.html"' in index


def test_html_english_labels_and_agent_selection(rep, tmp_path):
    rep.lang, rep.agents = "en", ["a2"]
    paths = write_html(rep, tmp_path)
    assert [p.name for p in paths] == ["index.html", "a2.html"]
    assert "Leaderboard" in (tmp_path / "index.html").read_text(encoding="utf-8")
    text = (tmp_path / "agents/a2.html").read_text(encoding="utf-8")
    assert "Coaching focus" in text and 'lang="en"' in text


def test_highlight_escapes_around_the_match():
    assert str(highlight("a<b> 投诉 c", "投诉")) == "a&lt;b&gt; <mark>投诉</mark> c"
    assert str(highlight("<x>", "not there")) == "&lt;x&gt;"
    assert str(highlight("x", "<script>")) == "x"


def test_svg_charts_are_small_and_escaped():
    svg = charts.bar_chart(
        ["服务态度<script>", "专业知识"], [90.0, float("nan")], [80.0, 70.0], names=("张三", "团队"), title="t"
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and len(svg.encode()) < 4096
    line = charts.line_chart(
        [f"2026-W{i:02d}" for i in range(1, 9)], [("a", [80.0 + i for i in range(8)]), ("b", [70.0] * 8)], title="trend"
    )
    assert line.count("<polyline") == 2 and len(line.encode()) < 4096
    assert len(charts.sparkline([1.0, None, 3.0], title="s").encode()) < 1024


def test_evidence_shows_the_match_in_red_bold(rep, tmp_path):
    write_xlsx(rep, tmp_path)
    lost = openpyxl.load_workbook(tmp_path / "report.xlsx", rich_text=True)["失分明细"]
    runs = [
        (str(block.text), block.font)
        for row in lost.iter_rows()
        for cell in row
        if isinstance(cell.value, CellRichText)
        for block in cell.value
        if isinstance(block, TextBlock)
    ]
    assert runs and ("138****5678", True, "FFC00000") in [(text, font.b, font.color.rgb) for text, font in runs]


@pytest.mark.parametrize("per_agent", [False, True])
def test_progress_counts_every_step_it_announces(rep, tmp_path, per_agent):
    from qa_toolkit.report import html, xlsx

    done = []
    xlsx.write_xlsx(rep, tmp_path, per_agent=per_agent, advance=done.append)
    assert len(done) == xlsx.steps(2, per_agent) and set(done) == {1}
    done.clear()
    write_html(rep, tmp_path, advance=done.append)
    assert len(done) == html.steps(2)

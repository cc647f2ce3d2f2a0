"""The scripted week (benchmarks/scripted_week.py) on the sample data's last two weeks reaches the
supervisor's report: read back from the workbook (openpyxl) and the HTML (html.parser), in zh and en, every
point shows who decided it — graded, critical confirmed, critical overturned, disputed and
accepted or rejected — with its evidence; dispute counts per agent and criterion; each
criterion's agreement status; English labels under --lang en; a print-ready workbook."""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from bench_scripts import BENCH, load_script
from openpyxl import load_workbook

pytestmark = pytest.mark.slow  # the whole week through the CLI, two reports

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """The week on the sample's last two weeks (789 conversations, 2026-10-19..11-01): the batch of its last
    week, and so every decision, is the one drawn from all 3,000; the reports cover two weeks."""
    return load_script("scripted_week", BENCH / "scripted_week.py").week(
        tmp_path_factory.mktemp("week"), say=lambda text: None, n=789
    )


@pytest.fixture(scope="module")
def workbook(week):
    """A language's report workbook, read (openpyxl) once for the tests that only read it."""
    return functools.cache(lambda lang: load_workbook(week["reports"][lang] / "report.xlsx"))


class Rows(HTMLParser):
    """The rows of an HTML page: each <tr>'s attributes and cell texts, by the table's id."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[tuple[dict, list[str]]]] = {}
        self._table, self._row, self._cell = None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = dict(attrs).get("id", "")
            self.tables.setdefault(self._table, [])
        elif tag == "tr" and self._table is not None:
            self._row = (dict(attrs), [])
            self.tables[self._table].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row[1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_rows(path: Path) -> dict[str, list[tuple[dict, list[str]]]]:
    parser = Rows()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tables


def lost_sheet(book) -> dict[tuple, dict]:
    """(conversation_id, criterion name) -> the points-lost sheet's row as {header: value}."""
    ws = book.worksheets[-2]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    conv, crit = header[3], header[4]
    return {(r[conv], str(r[crit]).split(" [")[0]): r for r in rows}


STATES = {  # lang: what the source column says for each decision
    "zh": {
        "confirmed": "否决已确认 · 王芳",
        "rejected": "申诉驳回",
        "accepted": "申诉成立",
        "overturned": "否决已推翻 · 王芳",
        "graded": "人工评分 · 王芳",
    },
    "en": {
        "confirmed": "critical confirmed · 王芳",
        "rejected": "disputed: rejected",
        "accepted": "disputed: accepted",
        "overturned": "critical overturned · 王芳",
        "graded": "graded · 王芳",
    },
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_workbook_shows_every_decision_with_its_evidence(week, workbook, lang):
    from qa_toolkit.resources import default_rubrics
    from qa_toolkit.rubric import require_rubrics

    names = {
        c.id: (c.name_en or c.name) if lang == "en" else c.name
        for r in reversed(require_rubrics(list(default_rubrics()))[0])
        for _, c in r.criteria
    }
    book = workbook(lang)
    lost = lost_sheet(book)
    said = STATES[lang]
    header = [c.value for c in book.worksheets[-2][1]]
    source, evidence, points = header[8], header[6], header[5]

    confirmed = lost[(week["confirmed"][0], names[week["confirmed"][1]])]
    assert said["confirmed"] in confirmed[source] and said["rejected"] in confirmed[source]
    assert confirmed[evidence] and confirmed[points] > 0
    accepted = lost[(week["accepted"][0], names[week["accepted"][1]])]
    assert said["accepted"] in accepted[source] and accepted[points] == 0 and accepted[evidence]
    overturned = lost[(week["overturned"][0], names[week["overturned"][1]])]
    assert overturned[source].startswith(said["overturned"]) and overturned[points] == 0 and overturned[evidence]
    graded = lost[(week["graded_down"][0], names[week["graded_down"][1]])]
    assert graded[source].startswith(said["graded"]) and graded[points] > 0

    agent = next(ws for ws in book.worksheets if ws.title.startswith(week["agent"]))
    texts = [str(v) for row in agent.iter_rows(values_only=True) for v in row if v is not None]
    assert any(said["rejected"] in t for t in texts) and any(said["accepted"] in t for t in texts)
    trust = [str(v) for row in book.worksheets[1].iter_rows(values_only=True) for v in row if v is not None]
    assert ("未评估" if lang == "zh" else "not measured") in trust  # the shipped rubric records no agreement yet
    assert names["diversion"] in trust  # the dispute tables name the criterion

    # print-ready: agent sheets fit two A4 pages wide and high, detail sheets repeat their header
    assert agent.sheet_properties.pageSetUpPr.fitToPage and agent.page_setup.fitToHeight == 2 and agent.print_area
    assert (agent.page_setup.fitToWidth or 1) == 1  # one page wide: 1 is the file format's default, often left out
    assert int(agent.page_setup.paperSize) == int(agent.PAPERSIZE_A4)
    for detail in book.worksheets[-2:]:
        assert detail.print_title_rows == "$1:$1" and detail.print_area
    assert book.worksheets[-2].row_breaks.count > 0  # a page per agent


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_html_pages_show_the_same_states_and_the_counts(week, lang):
    folder = week["reports"][lang]
    agent_page = next((folder / "agents").glob(f"{week['agent']}*.html"))
    tables = page_rows(agent_page)
    lost = {(a["data-conversation"], a["data-criterion"]): (a, cells) for a, cells in tables["lost"][1:]}
    attrs, cells = lost[week["rejected"]]
    assert (attrs["data-source"], attrs["data-dispute"]) == ("confirmed", "rejected")
    assert any(STATES[lang]["rejected"] in c for c in cells) and "w****" in " ".join(cells)  # evidence, masked
    attrs, cells = lost[week["accepted"]]
    assert (attrs["data-source"], attrs["data-dispute"]) == ("auto", "accepted") and cells[3] == "0.0"
    disputes = {a["data-criterion"]: cells for a, cells in tables["disputes"][1:]}
    assert disputes[week["accepted"][1]][1:] == ["1", "0", "1", "0", "0"]  # filed, open, accepted, partly, rejected
    assert disputes[week["rejected"][1]][1:] == ["1", "0", "0", "0", "1"]

    index = page_rows(folder / "index.html")
    by_agent = {a["data-agent"]: cells for a, cells in index["disputes-agent"][1:]}
    assert by_agent == {week["agent"]: by_agent[week["agent"]]} and by_agent[week["agent"]][1:] == [
        "2",
        "0",
        "1",
        "0",
        "1",
    ]
    statuses = {a["data-criterion"]: a["data-status"] for a, _ in index["agreement"][1:]}
    assert statuses["empathy"] == "manual" and statuses["diversion"] == "live"
    overturned_page = (folder / "agents").glob("*.html")
    assert any(
        f'data-conversation="{week["overturned"][0]}"' in p.read_text(encoding="utf-8")
        and 'data-source="overturned"' in p.read_text(encoding="utf-8")
        for p in overturned_page
    )


def test_english_reports_use_english_labels_and_minutes(week, workbook):
    folder = week["reports"]["en"]
    book = workbook("en")
    fixed = [*(ws.title for ws in book.worksheets[:2]), *(ws.title for ws in book.worksheets[-2:])]
    assert fixed == ["Team summary", "Agreement and disputes", "Points lost", "Conversations"]
    for ws in book.worksheets[-2:]:
        heads = [str(c.value or "") for c in ws[1]]
        assert not any(CJK.search(h) or "_" in h for h in heads), (ws.title, heads)  # labels, not column keys
    index = page_rows(folder / "index.html")
    headers = [cells for _, cells in index["leaderboard"][:1]][0]
    assert not any(CJK.search(h) for h in headers)
    sections = [cells[0] for _, cells in index["agreement"][1:]]
    assert sections and not any(CJK.search(s) for s in sections)  # the zh rubric's sections, in English
    kpis = {a["data-metric"]: cells for a, cells in page_rows(next((folder / "agents").glob("*.html")))["kpis"][1:]}
    assert re.fullmatch(r"\d+:\d\d", kpis["handle_mean_s"][1])  # m:ss, not raw seconds
    summary = book.worksheets[0]
    frt = next(c for row in summary.iter_rows() for c in row if c.value == "First response (m:s)")
    assert summary.cell(frt.row + 1, frt.column).number_format == "[m]:ss"

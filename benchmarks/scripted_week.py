"""The scripted week on the sample data, through the `qa` CLI, with every output kept in OUT:

score → sample (pending criticals included) → grade export → a grader fills in the workbook
(manual criteria graded, one answer graded down, the first pending critical confirmed, the
second overturned) → grade import → dispute export → the agent of the confirmed critical
disputes it and one automatic point → a lead rejects the first and accepts the second →
report in zh and en (Excel and HTML).

    python benchmarks/scripted_week.py OUT [-n N] [--pictures DIR]

``-n`` runs the week on the last N conversations of the sample (the week sampled, 2026-10-26..11-01,
is its last 398, so any N from 398 draws the same batch and reaches the same decisions; the reports
then cover fewer weeks). ``--pictures`` also screenshots the HTML (Chromium, headless) and renders
the workbook to PDF and PNG (LibreOffice, pdftoppm) into DIR. ``week(out, n=789)`` (the last two
weeks) is what tests/e2e runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from qa_toolkit.cli import main as qa
from qa_toolkit.resources import default_rubrics, sample_conversations, sample_data_dir
from qa_toolkit.review.importer import workbook_input_cells
from qa_toolkit.review.layout import allowed_grades
from qa_toolkit.rubric import require_rubrics

SCORED_ON, GRADED_ON, FILED, RESOLVED = "2026-11-02", "2026-11-03", "2026-11-05", "2026-11-06"
GRADER, LEAD = "王芳", "组长 陈"


def run(say: Callable[[str], None], *args) -> str:
    """``qa ARGS`` in this process; its output said; a failure stops the week."""
    say("$ qa " + " ".join(str(a) for a in args))
    result = CliRunner().invoke(qa, [str(a) for a in args])
    say(result.output.rstrip())
    if result.exit_code != 0:
        raise SystemExit(f"qa {args[0]} exited {result.exit_code}")
    return result.output


def _ids(book: Path, sheet: str = "_ids") -> list[tuple]:
    return list(load_workbook(book)[sheet].iter_rows(values_only=True))[1:]


def fill_grading(book: Path, dest: Path) -> dict[str, tuple]:
    """The grader's work: every manual item graded top of its scale except the first one, graded
    0; the first pending critical confirmed, the second overturned. Returns
    {"confirmed"|"overturned"|"graded_down": (conversation_id, criterion_id)}."""
    wb = load_workbook(book)
    meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(values_only=True) if r and r[0]}
    criteria = {r.id: {c.id: c for _, c in r.criteria} for r in require_rubrics(list(default_rubrics()))[0]}
    rows = workbook_input_cells(book)
    reviews = [row for row in rows if row[4] == "review"]
    done: dict[str, tuple] = {}
    for sheet, cell, cid, crit, kind, prefill in rows:
        if kind == "grader":
            wb[sheet][cell] = GRADER
        elif kind == "date":
            wb[sheet][cell] = GRADED_ON
        elif kind == "grade" and not prefill:  # a manual item
            scale = [g for g in allowed_grades(criteria[meta[f"rubric:{sheet}"]][crit]) if g != "na"]
            down = "graded_down" not in done
            wb[sheet][cell] = scale[-1] if down else scale[0]
            if down:
                done["graded_down"] = (cid, crit)
    (s1, c1, cid1, crit1, *_), (s2, c2, cid2, crit2, *_) = reviews[:2]
    wb[s1][c1], wb[s2][c2] = "确认", "overturn"
    done["confirmed"], done["overturned"] = (cid1, crit1), (cid2, crit2)
    wb.save(dest)
    return done


def week(out: Path, say: Callable[[str], None] = print, n: int | None = None) -> dict:
    """Run the week into ``out`` (on the sample's last ``n`` conversations, or all); returns what a
    reader checks: the agent who disputed, the (conversation_id, criterion_id) of each decision and
    the report folders."""
    out.mkdir(parents=True, exist_ok=True)
    data, roster = sample_conversations(), sample_data_dir() / "roster.csv"
    if n is not None:
        lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
        data = out / "conversations.jsonl"
        data.write_text("".join(lines[-n:]), encoding="utf-8")
    run(say, "score", data, "-o", out / "score")
    run(
        say,
        "sample",
        data,
        "--quota",
        "1",
        "--period",
        "last_week",
        "--seed",
        "11",
        "--scores",
        out / "score" / "scores.csv",
        "-o",
        out / "batch",
    )
    run(say, "grade", "export", out / "batch", "--data", data, "-o", out / "grading.xlsx")
    points = fill_grading(out / "grading.xlsx", out / "graded.xlsx")
    run(say, "grade", "import", out / "graded.xlsx", "--data", data, "-o", out / "grades.csv")

    run(
        say,
        "dispute",
        "export",
        "--scores",
        out / "score",
        "--grades",
        out / "grades.csv",
        "-o",
        out / "disputes",
        "--scored-on",
        SCORED_ON,
        "--period",
        "last_week",
    )
    confirmed = points["confirmed"]
    book = next(
        p
        for p in sorted((out / "disputes").glob("*.xlsx"))
        if any(r[2] == confirmed[0] and r[5] == confirmed[1] for r in _ids(p))
    )
    rows = _ids(book)
    critical = next(r for r in rows if (r[2], r[5]) == confirmed)
    automatic = next(r for r in rows if r[2] != confirmed[0] and r[12] == "auto")
    wb = load_workbook(book)
    ws = wb[next(n for n in wb.sheetnames if not n.startswith("_"))]
    ws[critical[0]], ws[automatic[0]] = "客户先辱骂，我只是复述", "已经道歉了，规则没识别"
    wb.save(out / "disputed.xlsx")
    run(say, "dispute", "import", out / "disputed.xlsx", "-o", out / "disputes.csv", "--today", FILED)

    run(say, "dispute", "resolution", out / "disputes.csv", "-o", out / "resolution.xlsx")
    wb = load_workbook(out / "resolution.xlsx")
    ws = wb[next(n for n in wb.sheetnames if not n.startswith("_"))]
    ws["C2"] = LEAD
    cells = {(cid, crit): cell for cid, crit, cell, *_ in _ids(out / "resolution.xlsx")}
    ws[cells[(critical[2], critical[5])]] = "rejected"
    ws[cells[(automatic[2], automatic[5])]] = "accepted"
    wb.save(out / "decided.xlsx")
    run(say, "dispute", "resolve", out / "decided.xlsx", "--register", out / "disputes.csv", "--today", RESOLVED)

    for lang in ("zh", "en"):
        run(
            say,
            "report",
            "--scores",
            out / "score",
            "--data",
            data,
            "--roster",
            roster,
            "--manifest",
            out / "batch",
            "--grades",
            out / "grades.csv",
            "--disputes",
            out / "disputes.csv",
            "--lang",
            lang,
            "-o",
            out / f"report_{lang}",
        )
    return {
        "agent": critical[1],
        **points,
        "rejected": (critical[2], critical[5]),
        "accepted": (automatic[2], automatic[5]),
        "reports": {lang: out / f"report_{lang}" for lang in ("zh", "en")},
    }


def pictures(found: dict, dest: Path, say: Callable[[str], None] = print) -> list[Path]:
    """Screenshots of the team page and the disputing agent's page (zh, en; the agent's page also
    printed to PDF, its points-lost pages as PNG), and the workbook's summary, agreement, agent
    and points-lost pages rendered to PNG."""
    dest.mkdir(parents=True, exist_ok=True)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    made = []
    for lang, folder in found["reports"].items():
        pages = {"index": folder / "index.html", "agent": next((folder / "agents").glob(f"{found['agent']}*.html"))}
        for name, page in pages.items():
            shot = dest / f"{lang}_{name}.png"
            if browser:
                subprocess.run(
                    [
                        browser,
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--hide-scrollbars",
                        f"--screenshot={shot}",
                        "--window-size=1400,2000",
                        page.resolve().as_uri(),
                    ],
                    check=True,
                    capture_output=True,
                    timeout=120,
                )
                made.append(shot)
        if browser:  # the agent page printed: where its points lost and disputes are
            printed = dest / f"{lang}_agent.pdf"
            subprocess.run(
                [
                    browser,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-pdf-header-footer",
                    f"--print-to-pdf={printed}",
                    pages["agent"].resolve().as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
            for page in _pages_with(printed, found["rejected"][0], 2):
                stem = dest / f"{lang}_agent_print_p{page}"
                subprocess.run(
                    [
                        "pdftoppm",
                        "-r",
                        "60",
                        "-f",
                        str(page),
                        "-l",
                        str(page),
                        "-png",
                        "-singlefile",
                        str(printed),
                        str(stem),
                    ],
                    check=True,
                    timeout=120,
                )
                made.append(stem.with_suffix(".png"))
        pdf_dir = dest / f"pdf_{lang}"
        subprocess.run(
            ["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(pdf_dir), str(folder / "report.xlsx")],
            check=True,
            capture_output=True,
            timeout=600,
        )
        pdf = pdf_dir / "report.pdf"
        wanted = (
            _pages_with(pdf, f"({found['agent']})", 2)
            + _pages_with(pdf, "Cohen", 1)
            + _pages_with(pdf, found["rejected"][0], 1, starts=("工号", "Agent ID"))
            + [1]
        )
        for page in dict.fromkeys(wanted):
            stem = dest / f"{lang}_xlsx_p{page}"
            subprocess.run(
                ["pdftoppm", "-r", "50", "-f", str(page), "-l", str(page), "-png", "-singlefile", str(pdf), str(stem)],
                check=True,
                timeout=120,
            )
            made.append(stem.with_suffix(".png"))
    for path in made:
        say(f"picture {path}")
    return made


def _pages_with(pdf: Path, text: str, n: int, starts: tuple[str, ...] = ()) -> list[int]:
    """The first page holding ``text`` (and beginning with one of ``starts``, when given) and the
    n - 1 after it."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    for page in range(1, pages + 1):
        body = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True
        ).stdout
        if text in body and (not starts or body.lstrip().startswith(starts)):
            return list(range(page, min(page + n, pages + 1)))
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("-n", type=int, default=None, help="Only the last N conversations of the sample.")
    parser.add_argument("--pictures", type=Path, default=None)
    args = parser.parse_args(argv)
    found = week(args.out, n=args.n)
    print(
        json.dumps(
            {k: v if not isinstance(v, dict) else {key: str(p) for key, p in v.items()} for k, v in found.items()},
            ensure_ascii=False,
            indent=2,
        )
    )
    if args.pictures:
        pictures(found, args.pictures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

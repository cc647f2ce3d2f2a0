"""Agent roster (CSV/XLSX: agent_id, name, team, hire_date; Chinese headers too) and its join
onto conversations (``agent_name``, ``team``, ``hire_date``)."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from qa_toolkit.frames import DEFAULT_TZ, ROSTER, Dataset, conform
from qa_toolkit.io.encoding import detect_encoding
from qa_toolkit.io.mapping import ColumnMapping
from qa_toolkit.io.validate import FieldError, is_missing, parse_ts
from qa_toolkit.problems import InputError, Problem, ProblemLog
from qa_toolkit.workbook_guard import require_safe_workbook

ROSTER_HEADERS: dict[str, tuple[str, ...]] = {
    "agent_id": (
        "agent_id",
        "agent id",
        "agent",
        "staff_id",
        "客服工号",
        "工号",
        "客服ID",
        "客服id",
        "坐席工号",
        "客服",
    ),
    "name": ("name", "agent_name", "姓名", "名字", "客服姓名"),
    "team": ("team", "group", "组", "班组", "团队", "小组"),
    "hire_date": ("hire_date", "hired", "start_date", "入职日期", "入职时间"),
}


def _read_table(path: Path, encoding: str | None, log: ProblemLog) -> pd.DataFrame:
    """The roster's cells as text; bytes not valid in a CSV's encoding are read as U+FFFD, each
    damaged line a warning in ``log``."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            require_safe_workbook(path)
            return pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        if suffix in (".csv", ".txt"):
            found = detect_encoding(path, encoding)
            log.extend(
                d.problem(
                    str(path),
                    found.name,
                    "read as it stands" if d.misread else "read with U+FFFD in its place",
                    level="warning",
                )
                for d in found.damaged
            )
            return pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                encoding=found.name,
                encoding_errors="replace" if found.damaged else "strict",
            )
    except InputError:
        raise
    except Exception as err:  # pandas/openpyxl raise many types on a corrupt file
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise InputError(Problem(str(path), f"cannot read roster: {first}", code="unreadable")) from None
    raise InputError(
        Problem(str(path), f"unknown roster file type '{suffix}' (use .csv or .xlsx)", code="unknown_format")
    )


def read_roster(
    path: str | os.PathLike, *, encoding: str | None = None, tz: str = DEFAULT_TZ
) -> tuple[pd.DataFrame, ProblemLog]:
    """The ROSTER frame and the problems met: a duplicate agent keeps its first row; a bad
    hire date becomes NaT with a warning; no agent id column is an InputError."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise InputError(Problem(str(path), "roster file missing or empty", code="empty_file"))
    log = ProblemLog()
    raw = _read_table(path, encoding, log)
    rename = ColumnMapping("roster", {k: list(v) for k, v in ROSTER_HEADERS.items()}).resolve(list(raw.columns))
    if "agent_id" not in rename.values():
        raise InputError(
            Problem(
                str(path),
                "required column 'agent_id' not found; headers found: " + ", ".join(map(str, raw.columns)),
                line=1,
                field="agent_id",
                code="missing_column",
            )
        )
    raw = raw.rename(columns=rename)
    zone, rows = ZoneInfo(tz), []
    seen: set[str] = set()
    for number, record in enumerate(raw.to_dict("records"), start=2):
        log.records_read += 1
        agent = record.get("agent_id")
        if is_missing(agent) or str(agent).strip() in seen:
            what = "missing agent id" if is_missing(agent) else f"duplicate agent '{agent}' (first row kept)"
            log.add(Problem(str(path), what, line=number, field="agent_id", level="warning", code="roster_row"))
            log.records_skipped += 1
            continue
        record["agent_id"] = str(agent).strip()
        seen.add(record["agent_id"])
        try:
            record["hire_date"] = parse_ts(record.get("hire_date"), zone, "hire_date")
        except FieldError as err:
            log.add(
                Problem(
                    str(path),
                    f"{err}; hire date left empty",
                    line=number,
                    field="hire_date",
                    level="warning",
                    code=err.code,
                )
            )
            record["hire_date"] = None
        rows.append({k: (None if is_missing(v) else v) for k, v in record.items()})
    frame = pd.DataFrame(rows, columns=list(dict.fromkeys([*ROSTER, *raw.columns])))
    frame["hire_date"] = pd.to_datetime(pd.array(frame["hire_date"].tolist(), dtype="Int64"), unit="ns", utc=True)
    return conform(frame, ROSTER, tz), log


def join_roster(dataset: Dataset, roster: pd.DataFrame, source: str, reported: set[str]) -> Dataset:
    """Conversations gain ``agent_name``, ``team``, ``hire_date``; an agent missing from the
    roster is a warning (once per agent, tracked in ``reported``), never a skip."""
    conv = dataset.conversations.drop(columns=["agent_name", "team", "hire_date"], errors="ignore")
    extra = roster[["agent_id", "name", "team", "hire_date"]].rename(columns={"name": "agent_name"})
    joined = conv.merge(extra, on="agent_id", how="left", validate="many_to_one")
    missing = sorted(set(conv["agent_id"].dropna()) - set(roster["agent_id"].dropna()) - reported)
    for agent in missing:
        dataset.log.add(
            Problem(
                source,
                f"agent '{agent}' is not in the roster (no name/team/hire date)",
                field="agent_id",
                level="warning",
                code="agent_not_in_roster",
            )
        )
    reported.update(missing)
    return Dataset(joined, dataset.messages, dataset.log, roster)

"""Errors are values: a Problem has a location (file, line/row, column, field) and a message.

Readers, the rubric loader and the linter return Problems; only the CLI turns them into
text and exit codes. ``InputError`` carries Problems out of a function that cannot go on
(unreadable file, wrong format) so the CLI can print them and exit 2 — never a traceback.

A message quotes the value it is about ("csat '13812345678' is outside 1..5"), so personal
data in it is masked when the Problem is made: every output of a problem — stderr, run.json,
`qa data inspect`, lint formatters — shows the message as made, never the value unmasked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Literal

from qa_toolkit.privacy import mask_text

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding about an input. ``line`` is 1-based: a JSONL/YAML line, or a table row as a
    spreadsheet shows it (header = row 1). ``col`` is 1-based. ``sheet`` for workbooks."""

    file: str
    message: str
    line: int | None = None
    col: int | None = None
    field: str | None = None
    level: Level = "error"
    code: str = ""
    sheet: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", mask_text(self.message))

    @property
    def location(self) -> str:
        """``file:line:col`` (or ``file[sheet]!cell``-like for workbooks), as far as known."""
        loc = self.file
        if self.sheet:
            loc += f"[{self.sheet}]"
        if self.line is not None:
            loc += f":{self.line}"
            if self.col is not None:
                loc += f":{self.col}"
        return loc

    def __str__(self) -> str:
        where = f" field '{self.field}':" if self.field else ""
        code = f" [{self.code}]" if self.code else ""
        return f"{self.location}: {self.level}:{where} {self.message}{code}"

    def to_dict(self) -> dict:
        return asdict(self)


class InputError(Exception):
    """Input that cannot be used at all. The CLI prints every problem and exits 2."""

    def __init__(self, problems: Problem | Iterable[Problem]):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class ProblemLog:
    """Collects problems and counts skipped records, so nothing is dropped silently."""

    problems: list[Problem] = field(default_factory=list)
    records_read: int = 0
    records_skipped: int = 0

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def merge(self, other: ProblemLog) -> None:
        self.problems.extend(other.problems)
        self.records_read += other.records_read
        self.records_skipped += other.records_skipped

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    def summary(self, max_full: int = 20) -> str:
        """The first ``max_full`` problems in full, then totals per code."""
        lines = [str(p) for p in self.problems[:max_full]]
        rest = len(self.problems) - max_full
        if rest > 0:
            lines.append(f"... and {rest} more problem(s)")
        if self.problems:
            counts = Counter(p.code or p.level for p in self.problems)
            lines.append("problems by kind: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        lines.append(f"records read: {self.records_read}, skipped: {self.records_skipped}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "records_read": self.records_read,
            "records_skipped": self.records_skipped,
            "problems": [p.to_dict() for p in self.problems],
        }

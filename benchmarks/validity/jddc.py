"""Convert the JDDC satisfaction data (ASAP's ``valid_jddc.txt`` format) into the toolkit's JSONL.

Source format, one line per rated customer turn, three tab-separated columns: a Python list literal
of up to 16 ``customer|||agent`` items (the last is the rated customer turn, its agent part empty),
the intent ids, the class (0 dissatisfied / 1 neutral / 2 satisfied). Consecutive lines of one
dialogue are overlapping windows; a dialogue's last line ends with the item ``OVERALL|||`` and
carries the dialogue's class. This converter stitches the windows back into dialogues.

What it writes, per dialogue: ``conversation_id`` (``jddc-<split>-NNNN``, in file order), ``channel``
chat, ``agent_id`` — the data has none, so a stable pseudo-agent ``jddc-aK`` bucketed by a hash of
the id (K in 0..AGENT_BUCKETS-1; the buckets mean nothing beyond grouping), ``sat_overall`` (the
dialogue's class) and ``sat_turns`` (the class of each rated customer turn, in order), and the
messages with roles ``customer``/``agent`` and no ``ts``: the data has no times and none are made
up. Masked values (``[数字x]``, ``[ORDERID_…]``) are kept as written.

Usage: ``python benchmarks/validity/jddc.py valid_jddc.txt -o jddc_valid.jsonl [--split valid]``
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

AGENT_BUCKETS = 10
END = "OVERALL|||"
SEP = "|||"


class FormatError(ValueError):
    """A line that is not in the JDDC format, with its line number."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass
class Dialogue:
    """One stitched dialogue: its ``customer|||agent`` items and the classes of its rated turns."""

    items: list[str] = field(default_factory=list)
    sat_turns: list[int] = field(default_factory=list)
    sat_overall: int | None = None
    first_line: int = 0


def _parse(raw: str, number: int) -> tuple[list[str], int]:
    columns = raw.rstrip("\r\n").split("\t")
    if len(columns) != 3:
        raise FormatError(number, f"expected 3 tab-separated columns, found {len(columns)}")
    try:
        items = ast.literal_eval(columns[0])
    except (ValueError, SyntaxError) as err:
        raise FormatError(number, f"first column is not a list literal ({err})") from None
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and SEP in i for i in items):
        raise FormatError(number, "first column must be a non-empty list of 'customer|||agent' strings")
    try:
        label = int(columns[2])
    except ValueError:
        raise FormatError(number, f"class {columns[2]!r} is not 0, 1 or 2") from None
    if label not in (0, 1, 2):
        raise FormatError(number, f"class {label} is not 0, 1 or 2")
    return items, label


def _customer(item: str) -> str:
    return item.split(SEP, 1)[0]


def dialogues(lines: Iterable[str]) -> Iterator[Dialogue]:
    """Stitch the windows of each dialogue: every line repeats the window before it, fills in the
    agent part of the previous rated turn and adds one new customer turn (windows slide once they
    hold 16 items)."""
    current: Dialogue | None = None
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        items, label = _parse(raw, number)
        if current is None:
            current = Dialogue(items=list(items), first_line=number)
        else:
            previous = current.items
            overlap = items[:-1]
            # the window before, shifted: its last item comes back with the agent part filled in
            if [_customer(i) for i in overlap] != [_customer(i) for i in previous[len(previous) - len(overlap) :]]:
                raise FormatError(
                    number,
                    "this window does not continue the dialogue of the line before "
                    "(a dialogue must end with an 'OVERALL|||' line)",
                )
            current.items = previous[: len(previous) - len(overlap)] + list(items)
        if items[-1] == END:
            current.items.pop()
            current.sat_overall = label
            yield current
            current = None
        else:
            current.sat_turns.append(label)
    if current is not None:
        raise FormatError(current.first_line, "the file ends inside a dialogue (no 'OVERALL|||' line)")


def agent_bucket(conversation_id: str, buckets: int = AGENT_BUCKETS) -> str:
    """A stable pseudo-agent id from a hash of the conversation id (the data names no agents)."""
    digest = hashlib.sha256(conversation_id.encode("utf-8")).digest()
    return f"jddc-a{int.from_bytes(digest[:4], 'big') % buckets}"


def to_record(dialogue: Dialogue, conversation_id: str) -> dict:
    """The toolkit's JSONL record for one dialogue (no timestamps: the source has none)."""
    messages = []
    for item in dialogue.items:
        customer, agent = item.split(SEP, 1)
        if customer.strip():
            messages.append({"role": "customer", "text": customer})
        if agent.strip():
            messages.append({"role": "agent", "text": agent})
    return {
        "conversation_id": conversation_id,
        "channel": "chat",
        "agent_id": agent_bucket(conversation_id),
        "sat_overall": dialogue.sat_overall,
        "sat_turns": dialogue.sat_turns,
        "messages": messages,
    }


def convert(lines: Iterable[str], split: str = "valid") -> Iterator[dict]:
    """JDDC lines → toolkit records, ids ``jddc-<split>-NNNN`` numbered from 1 in file order."""
    for n, dialogue in enumerate(dialogues(lines), start=1):
        yield to_record(dialogue, f"jddc-{split}-{n:04d}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="valid_jddc.txt (use the valid split only)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="JSONL to write")
    parser.add_argument("--split", default="valid", help="the split's name, used in the ids")
    args = parser.parse_args(argv)
    try:
        with args.source.open(encoding="utf-8") as fh:
            records = list(convert(fh, args.split))
    except FormatError as err:
        print(f"{args.source}:{err.line}: {err}", file=sys.stderr)
        return 2
    tmp = args.output.with_name(args.output.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    tmp.replace(args.output)
    print(f"{len(records)} dialogues → {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

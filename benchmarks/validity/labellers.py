"""Agreement between two labellers of the same conversations (the consistency check of the human
labels the validity benchmark rests on): per criterion n, accuracy, Cohen's κ, fails of each.

    python benchmarks/validity/labellers.py benchmarks/validity/labels/jddc_valid.tsv \\
        benchmarks/validity/labels/jddc_valid_second.tsv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from validity import LabelError, agreement, markdown, read_labels  # noqa: E402  (a script beside its benchmark)


def between(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """The pairs both labellers judged, as ``agreement`` reads them (first as ``auto``)."""
    both = first.merge(second, on=["conversation_id", "criterion"], suffixes=("_1", "_2"))
    return both.rename(columns={"label_1": "auto", "label_2": "human"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", help="labels TSV of the first labeller")
    parser.add_argument("second", help="labels TSV of the second labeller (a subset of the conversations is fine)")
    args = parser.parse_args(argv)
    try:
        pairs = between(read_labels(args.first), read_labels(args.second))
    except (LabelError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    table = agreement(pairs)
    print(
        f"{pairs['conversation_id'].nunique()} conversations labelled by both "
        "('auto' = first labeller, 'human' = second)\n"
    )
    print(markdown(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())

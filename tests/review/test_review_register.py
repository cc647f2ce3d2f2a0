"""Registers imports add to: units replaced in place, new ones appended, the same import twice a no-op."""

import pandas as pd

from qa_toolkit.review.register import as_text, merge, read_register, write_register


def frame(rows):
    return pd.DataFrame(rows, columns=["grader", "conversation_id", "points", "source"])


OLD = frame([["王芳", "c1", 1.0, "a.xlsx"], ["王芳", "c1", 2.5, "a.xlsx"], ["王芳", "c2", 0.0, "a.xlsx"]])


def test_the_same_rows_again_change_nothing_even_from_another_file(tmp_path):
    path = tmp_path / "grades.csv"
    first = merge(read_register(path), OLD, ["grader", "conversation_id"])
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0) and write_register(first, path) == path
    again = merge(
        read_register(path), OLD.assign(source="copy of a.xlsx"), ["grader", "conversation_id"], ignore=["source"]
    )
    assert not again.changed and again.unchanged == 2 and write_register(again, path) is None
    assert read_register(path).equals(as_text(OLD))


def test_a_changed_unit_is_replaced_in_place_and_a_new_one_appended():
    new = frame([["王芳", "c1", 3.0, "b.xlsx"], ["李雷", "c1", 1.0, "b.xlsx"]])
    merged = merge(as_text(OLD), new, ["grader", "conversation_id"])
    assert (merged.added, merged.updated, merged.unchanged) == (1, 1, 0)
    assert merged.frame.values.tolist() == [
        ["王芳", "c1", "3.0", "b.xlsx"],
        ["王芳", "c2", "0.0", "a.xlsx"],
        ["李雷", "c1", "1.0", "b.xlsx"],
    ]
    assert merged.describe("sheet") == "1 sheet(s) added, 1 changed, 0 already there"

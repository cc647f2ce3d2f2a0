"""A report is a command's last step. Inside a frozen heap (the CLI's: ``collector.frozen_heap``
around a command) what the report leaves joins the frozen heap, so the collector does not walk
the workbook's ~10^5 objects once more before the command exits; outside one (a library caller)
nothing is frozen, and the collector frees them as usual."""

import gc

from metric_frames import make_frames

from qa_toolkit import collector
from qa_toolkit.frames import Dataset
from qa_toolkit.reporting import write_report


def _report(out) -> None:
    conv, msgs, scores, results, roster = make_frames()
    written = write_report(Dataset(conv, msgs, roster=roster), results, scores, out)
    assert (out / "report.xlsx") in written


def test_a_report_inside_a_frozen_heap_leaves_what_it_made_frozen(tmp_path):
    with collector.frozen_heap():
        frozen = gc.get_freeze_count()
        _report(tmp_path / "rep")
        assert gc.get_freeze_count() > frozen


def test_a_report_outside_a_frozen_heap_freezes_nothing(tmp_path):
    frozen = gc.get_freeze_count()
    _report(tmp_path / "rep")
    assert gc.get_freeze_count() == frozen

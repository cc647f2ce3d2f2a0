"""The HTML pages come out the same whether jinja compiles the templates or loads them from its
cache of compiled templates (kept in the user's own temporary folder), and a temporary folder
that cannot hold that cache only costs the compiling."""

import os
import tempfile

import pytest
from metric_frames import make_frames

from qa_toolkit.metrics import MetricOptions, compute_metrics
from qa_toolkit.report import ReportInput, html
from qa_toolkit.report.html import write_html
from qa_toolkit.resources import templates_dir


@pytest.fixture
def rep():
    conv, msgs, scores, results, roster = make_frames()
    metrics = compute_metrics(conv, msgs, scores, results, roster=roster, options=MetricOptions(min_graded=2))
    return ReportInput(metrics, msgs, generated="2026-11-24 10:00")


@pytest.fixture
def temp_dir(tmp_path, monkeypatch):
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _pages(rep, out):
    write_html(rep, out)
    return {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*.html"))}


def test_pages_from_cached_templates_are_the_pages_compiled_afresh(rep, tmp_path, temp_dir):
    first = _pages(rep, tmp_path / "first")
    cached = {p: p.stat().st_mtime_ns for p in temp_dir.rglob("*") if p.is_file()}
    assert len(cached) == len(list(templates_dir().glob("*.j2")))  # each template compiled once
    assert _pages(rep, tmp_path / "second") == first
    assert {p: p.stat().st_mtime_ns for p in temp_dir.rglob("*") if p.is_file()} == cached  # loaded, not rewritten


def test_a_temporary_folder_that_is_not_safe_only_costs_the_compiling(rep, tmp_path, temp_dir):
    (temp_dir / f"_jinja2-cache-{os.getuid()}").write_text("not a folder")
    assert html._compiled_templates() is None
    assert _pages(rep, tmp_path / "pages")

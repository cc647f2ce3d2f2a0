"""Rubrics: the YAML scoring standard, its loader and linter, and the check types."""

from qa_toolkit.rubric.loader import load_rubric, require_rubric, require_rubrics
from qa_toolkit.rubric.schema import Criterion, Rubric, Section

__all__ = ["Criterion", "Rubric", "Section", "load_rubric", "require_rubric", "require_rubrics"]

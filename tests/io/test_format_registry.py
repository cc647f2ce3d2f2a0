"""The format registry is the one list of input formats: the extension lookup, ``--format``'s
choices and ``run.yaml``'s ``read.format`` all follow it, and an unknown one is a located input
or usage error, never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from qa_toolkit.cli import main
from qa_toolkit.io import detect_format
from qa_toolkit.io.formats import FORMATS, NAMES
from qa_toolkit.problems import InputError
from qa_toolkit.runconfig import ReadConfig


@pytest.mark.parametrize(("name", "suffix"), [(f.name, s) for f in FORMATS.values() for s in f.suffixes])
def test_every_suffix_names_its_format(tmp_path, name, suffix):
    assert detect_format(tmp_path / f"export{suffix.upper()}", None) == name
    assert detect_format(tmp_path / "export.bin", name) == name


def test_an_unknown_suffix_or_name_is_an_input_error_listing_the_formats(tmp_path):
    with pytest.raises(InputError) as err:
        detect_format(tmp_path / "export.txt", None)
    assert err.value.problems[0].code == "unknown_format"
    assert all(f.suffixes[0] in err.value.problems[0].message for f in FORMATS.values())
    with pytest.raises(InputError) as err:
        detect_format(tmp_path / "export.jsonl", "xls")
    assert all(name in err.value.problems[0].message for name in NAMES)


def test_the_cli_and_run_yaml_offer_exactly_the_registered_formats(tmp_path):
    result = CliRunner().invoke(main, ["data", "inspect", str(tmp_path / "x.jsonl"), "--format", "xls"])
    assert result.exit_code == 2 and all(name in result.output for name in NAMES)
    assert [ReadConfig(format=name).format for name in NAMES] == list(NAMES)
    with pytest.raises(ValidationError):
        ReadConfig(format="xls")

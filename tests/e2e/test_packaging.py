"""The wheel carries the rubrics, templates and sample data, and an installed package finds them."""

import subprocess
import sys
import zipfile

import pytest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-q", "-w", str(out)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("qa_toolkit-*.whl")
    return path


def test_wheel_contains_package_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "qa_toolkit/_data/rubrics/ecommerce-zh.yaml" in names
    assert "qa_toolkit/_data/rubrics/schema.json" in names
    assert "qa_toolkit/_data/sample_data/conversations.jsonl" in names
    assert any(n.startswith("qa_toolkit/_data/templates/") and n.endswith(".j2") for n in names)
    assert not any("/tests/" in n for n in names)


def test_installed_layout_resolves_data(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path)
    code = (
        "import qa_toolkit.resources as r; "
        "print(r.default_rubric()); print(r.templates_dir()); print(r.sample_conversations())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
        check=True,
    ).stdout.splitlines()
    for line in out:
        assert line.startswith(str(tmp_path / "qa_toolkit" / "_data"))
    assert out[0].endswith("ecommerce-zh.yaml")

"""sample_data/ is generated, never hand-edited: regenerating it with the documented command
gives the committed files byte for byte."""

from click.testing import CliRunner

from qa_toolkit.cli import main
from qa_toolkit.resources import sample_data_dir


def test_committed_sample_data_is_exactly_what_the_generator_writes(tmp_path):
    result = CliRunner().invoke(main, ["data", "synth", "-n", "3000", "--seed", "7", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    committed = sample_data_dir()
    for name in ("conversations.jsonl", "conversations_gb18030.csv", "roster.csv"):
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), (
            f"sample_data/{name} differs from the generator: run `qa data synth -n 3000 --seed 7 -o sample_data`"
        )


def test_sample_data_readme_names_the_command():
    assert "qa data synth -n 3000 --seed 7 -o sample_data" in (sample_data_dir() / "README.md").read_text(
        encoding="utf-8"
    )

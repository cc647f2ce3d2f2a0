"""`python -m qa_toolkit` runs the `qa` command line."""

from qa_toolkit.cli import launch

if __name__ == "__main__":
    launch()

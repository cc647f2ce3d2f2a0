"""`python -m qa_toolkit` runs the `qa` command line."""

from qa_toolkit.cli import main

if __name__ == "__main__":
    main()

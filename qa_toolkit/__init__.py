"""qa-toolkit: quality inspection (质检) and agent scoring for e-commerce customer service."""

__version__ = "0.1.0"

"""Full-coverage scoring at scale (全量质检): ``score_frames`` run over chunks of an export in
worker processes (or on Dask), each chunk's results and scores streamed out to Parquet part
files, so peak memory does not grow with the input.

Public API: ``RunConfig``, ``score_part`` (the chunk function), ``score_file`` (local runner),
``score_dask`` (Dask runner, needs the ``dask`` extra). Each runner writes a score folder (parts
layout, run.json); read it with ``qa_toolkit.scorefolder.open_score_folder``.
"""

from qa_toolkit.engine.parts import RunConfig, score_part
from qa_toolkit.engine.runner import RunOutcome, score_file

__all__ = ["RunConfig", "RunOutcome", "score_dask", "score_file", "score_part"]


def __getattr__(name: str):
    if name == "score_dask":  # optional dependency: imported only when asked for
        from qa_toolkit.engine.dask import score_dask

        return score_dask
    raise AttributeError(name)

"""The runner (全量质检 at any scale): ``qa_toolkit.scoring`` run over chunks of an input, here,
in worker processes or on Dask, each scored chunk handed to a sink (``engine.sinks``: frames
in memory or the files layout, or Parquet part files streamed out, so peak memory does not
grow with the input).

Public API: ``ScoreJob`` (a run as paths), ``Scorer`` (loaded rubrics), ``score_dataset`` and
``score_chunks`` (a Dataset already read), ``score_file`` (an export on disk, parts layout),
``score_dask`` (Dask, needs the ``dask`` extra). Read a score folder with
``qa_toolkit.scorefolder.open_score_folder``.
"""

from qa_toolkit.engine.parts import ScoreJob, Scorer
from qa_toolkit.engine.runner import RunOutcome, score_chunks, score_dataset, score_file
from qa_toolkit.engine.sinks import FrameSink, PartSink, Provenance

__all__ = [
    "FrameSink",
    "PartSink",
    "Provenance",
    "RunOutcome",
    "ScoreJob",
    "Scorer",
    "score_chunks",
    "score_dask",
    "score_dataset",
    "score_file",
]


def __getattr__(name: str):
    if name == "score_dask":  # optional dependency (the dask extra): imported only when asked for
        from qa_toolkit.engine.dask import score_dask

        return score_dask
    raise AttributeError(name)

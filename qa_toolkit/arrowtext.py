"""Text columns as Arrow arrays, for the code that hands them to Arrow's compute functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


def large_strings(texts: pd.Series | pd.api.extensions.ExtensionArray) -> pa.LargeStringArray:
    """A text column (Series or array) as one pyarrow ``large_string`` array, never chunked: a
    frame built from several record batches holds its strings in chunks, which Arrow's array
    functions (``dictionary_encode``, ``DictionaryArray.from_arrays``, buffers) would return
    or refuse as chunks."""
    import pandas as pd
    import pyarrow as pa

    arr = pa.array(texts.array if isinstance(texts, pd.Series) else texts, type=pa.large_string())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr

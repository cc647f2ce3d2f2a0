"""One hypothesis profile for the specification tests: a fixed, modest number of generated
examples, the same ones on every run (derandomised, no example database), no time limit per
example on a loaded machine, and no shrinking (a failure shows the generated case as it was,
in seconds rather than minutes)."""

import random

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

#: Decorate a property test with ``@SPEC`` (or ``@SPEC_FEW`` when one example scores a chunk).
SPEC = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SPEC_FEW = settings(SPEC, max_examples=30)

#: A pseudo-random generator seeded by hypothesis, for chunks built in plain Python: its draws
#: are spread like ``random``'s (``st.randoms()`` favours the first choices).
SEEDED = st.integers(0, 2**32 - 1).map(random.Random)

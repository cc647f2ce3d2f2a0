"""One tag vocabulary and one way to match a tag, for sampling strata and metrics alike."""

import numpy as np
import pandas as pd

from qa_toolkit.tags import COMPLAINT_TAGS, first_tag


def test_first_tag_is_trimmed_and_case_insensitive():
    assert first_tag(["vip", " Complaint "], COMPLAINT_TAGS) == " Complaint "
    assert first_tag(np.array(["投诉"]), COMPLAINT_TAGS) == "投诉"
    assert first_tag(["complaints"], COMPLAINT_TAGS) is None
    assert first_tag("complaint", COMPLAINT_TAGS) is None  # not a tag list
    assert first_tag(None, COMPLAINT_TAGS) is None


def test_metrics_and_sampling_read_the_same_tags():
    from qa_toolkit.metrics import _complaint
    from qa_toolkit.sampling.plan import Filter
    from qa_toolkit.sampling.strata import _complaint as stratum

    conv = pd.DataFrame({"tags": [[" Complaint "], ["投诉"], ["refund"], []], "escalated": [False] * 4})
    assert _complaint(conv).tolist() == [True, True, False, False]
    mask, reason = stratum(conv, Filter(kind="complaint"))
    assert mask.tolist() == [True, True, False, False] and reason[0] == "tag ' Complaint '"

"""Suite-wide setup: the parsed-rubric cache of every test process (and the `qa` processes tests
start) lives in the session's temporary folder, never in the user's own cache folder."""

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def rubric_cache_in_a_temporary_folder(tmp_path_factory):
    os.environ["QA_TOOLKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("qa-cache"))

"""The cycle collector kept out of bulk work (``collector``): a frozen heap lasts exactly as long as
the outermost block that froze it, a heap frozen by someone else is never unfrozen by us, and a
block that failed leaves nothing frozen."""

from __future__ import annotations

import gc

import pytest

from qa_toolkit import collector


@pytest.fixture(autouse=True)
def nothing_frozen():
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()


def test_nested_blocks_keep_the_heap_frozen_until_the_outermost_ends():
    with collector.frozen_heap():
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with collector.frozen_heap():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen  # the inner block unfroze nothing
    assert gc.get_freeze_count() == 0


def test_a_heap_the_caller_froze_stays_frozen_after_a_block():
    gc.freeze()
    frozen = gc.get_freeze_count()
    with collector.frozen_heap():
        pass
    assert gc.get_freeze_count() == frozen


def test_what_is_made_inside_a_block_joins_the_frozen_heap_and_nothing_outside():
    made = []
    collector.join_frozen_heap()
    assert gc.get_freeze_count() == 0
    with collector.frozen_heap():
        before = gc.get_freeze_count()
        made.extend([i] for i in range(1000))
        collector.join_frozen_heap()
        assert gc.get_freeze_count() >= before + 1000
    assert gc.get_freeze_count() == 0


def test_a_block_that_failed_leaves_nothing_frozen_and_the_next_one_freezes_again():
    with pytest.raises(RuntimeError), collector.frozen_heap():
        raise RuntimeError("the command failed")
    assert gc.get_freeze_count() == 0
    with collector.frozen_heap():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0

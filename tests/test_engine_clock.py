"""The engine's clock: a time limit runs from the process's start, read to the hundredth."""

import os
import time

import psutil
import pytest

from eventflow.engine import clock, planner


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads Linux's /proc; without it seat uses psutil's start time, which this test compares against")
def test_process_age_is_read_to_the_hundredth_not_the_boot_second() -> None:
    age = clock._age_from_proc()
    assert age is not None and age >= 0
    # psutil adds the start to the boot time in whole seconds: never younger, at most 1 s older.
    psutil_age = time.time() - psutil.Process().create_time()
    assert age - 0.05 <= psutil_age <= age + 1.05
    assert clock.process_started() <= clock.now()


def test_finishing_reserve_grows_with_the_event_but_keeps_most_of_the_limit() -> None:
    assert planner.finish_reserve(120, 3.0) < planner.finish_reserve(480, 120.0)
    assert planner.finish_reserve(20_000, 10.0) <= 0.1 * 10.0
    assert planner.finish_reserve(10, 0.5) <= 0.05

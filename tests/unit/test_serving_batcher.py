"""The micro-batcher: concurrent callers share model calls, each gets its own rows, idle calls do not wait."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from synaptic_core.serving.batcher import MicroBatcher


def run(coro):
    """asyncio.run on a fresh thread: a session-wide Playwright (tests/e2e) keeps an event loop
    running on the main thread, where asyncio.run refuses to start a second one."""
    with ThreadPoolExecutor(1) as ex:
        return ex.submit(asyncio.run, coro).result()


def slow_double(seconds: float, seen: list):
    def fn(x: np.ndarray) -> np.ndarray:
        seen.append((len(x), threading.current_thread().name))
        time.sleep(seconds)
        return x * 2
    return fn


def test_concurrent_calls_are_stacked_and_answered_in_order():
    seen: list = []
    pool = ThreadPoolExecutor(1, thread_name_prefix="model")
    b = MicroBatcher(slow_double(0.05, seen), pool, max_rows=64)

    async def main():
        xs = [np.full((1 + i % 3, 2), i, np.float32) for i in range(20)]

        async def late(i):  # arrive spread over the first model call
            await asyncio.sleep(0.002 * i)
            return await b(xs[i])

        ys = await asyncio.gather(*(late(i) for i in range(20)))
        for x, y in zip(xs, ys):
            np.testing.assert_array_equal(y, x * 2)

    run(main())
    pool.shutdown()
    assert seen[0][0] == 1  # the first caller found the model idle and did not wait for company
    assert b.calls == len(seen) <= 3 and b.rows == sum(1 + i % 3 for i in range(20))
    assert all(name.startswith("model") for _, name in seen)  # the loop thread never ran the model


def test_batches_respect_max_rows_but_never_split_a_request():
    seen: list = []
    b = MicroBatcher(slow_double(0.02, seen), max_rows=4)

    async def main():
        await asyncio.gather(*(b(np.ones((3, 1))) for _ in range(6)), b(np.ones((9, 1))))

    run(main())
    assert all(n <= 4 or n == 9 for n, _ in seen) and sum(n for n, _ in seen) == 27


def test_a_lone_call_goes_straight_through():
    b = MicroBatcher(lambda x: x + 1)

    async def main():
        t0 = time.perf_counter()
        for _ in range(50):
            await b(np.zeros((1, 3)))
        return (time.perf_counter() - t0) / 50

    assert run(main()) < 0.01 and b.calls == 50


def test_a_failing_call_fails_every_request_in_it_and_the_next_still_works():
    state = {"fail": True}

    def fn(x):
        time.sleep(0.02)
        if state.pop("fail", False):
            raise RuntimeError("boom")
        return x

    b = MicroBatcher(fn)

    async def main():
        results = await asyncio.gather(b(np.ones((1, 1))), b(np.ones((1, 1))), return_exceptions=True)
        assert isinstance(results[0], RuntimeError)
        np.testing.assert_array_equal(await b(np.ones((1, 1))), np.ones((1, 1)))

    run(main())


def test_with_two_in_flight_a_small_request_does_not_wait_for_a_big_one():
    seen: list = []
    pool = ThreadPoolExecutor(2)

    def fn(x):
        seen.append(len(x))
        time.sleep(0.3 if len(x) > 10 else 0.01)
        return x

    b = MicroBatcher(fn, pool, max_in_flight=2)

    async def main():
        big = asyncio.ensure_future(b(np.ones((50, 1))))
        await asyncio.sleep(0.02)
        t0 = time.perf_counter()
        await b(np.ones((1, 1)))
        small_s = time.perf_counter() - t0
        await big
        return small_s

    assert run(main()) < 0.2 and seen == [50, 1]
    pool.shutdown()

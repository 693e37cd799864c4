"""Class password tries are limited (synaptic_core/classroom/attempts.py): per client and per class, with
waits that grow and a message giving the seconds; a locked-out try is refused before any scrypt is run."""

from __future__ import annotations

import threading

import pytest

from synaptic_core.classroom import Attempts, ClassError, TooManyAttempts, create_class, join, member_name
from synaptic_core.classroom import classes as classes_module
from synaptic_core.presets import layered_spec
from synaptic_core.store import RunStore

TEACHER, ANN = "o-" + "a" * 32, "o-" + "b" * 32
BASE = layered_spec({"dataset": "circle", "model": "mlp"})


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _wait(limiter: Attempts, class_id: str, client: str) -> int:
    try:
        limiter.check(class_id, client)
    except TooManyAttempts as exc:
        return exc.seconds
    return 0


def test_a_client_waits_after_five_wrong_passwords_and_the_wait_doubles():
    clock = Clock()
    limiter = Attempts(client_failures=5, client_wait_s=5, max_wait_s=60, window_s=600, clock=clock)
    for _ in range(4):
        limiter.failed("c", "ip:1")
        assert _wait(limiter, "c", "ip:1") == 0
    limiter.failed("c", "ip:1")
    assert _wait(limiter, "c", "ip:1") == 5 and _wait(limiter, "c", "ip:2") == 0 and _wait(limiter, "d", "ip:1") == 0
    with pytest.raises(TooManyAttempts, match=r"wait 5 seconds, then try again"):
        limiter.check("c", "ip:1")
    clock.now += 2.5
    assert _wait(limiter, "c", "ip:1") == 3  # rounded up
    clock.now += 2.5
    assert _wait(limiter, "c", "ip:1") == 0
    limiter.failed("c", "ip:1")
    assert _wait(limiter, "c", "ip:1") == 10
    for _ in range(10):
        clock.now += 100
        limiter.failed("c", "ip:1")
    assert _wait(limiter, "c", "ip:1") == 60  # capped
    clock.now += 60 + 601  # quiet for a window after the wait: a fresh count
    limiter.failed("c", "ip:1")
    assert _wait(limiter, "c", "ip:1") == 0


def test_a_right_password_clears_the_clients_count():
    limiter = Attempts(client_failures=3, clock=Clock())
    for _ in range(2):
        limiter.failed("c", "s1")
    limiter.succeeded("c", "s1")
    limiter.failed("c", "s1")
    limiter.failed("c", "s1")
    assert _wait(limiter, "c", "s1") == 0


def test_many_clients_guessing_together_lock_the_class_for_everyone():
    limiter = Attempts(client_failures=5, class_failures=20, class_wait_s=30, clock=Clock())
    for i in range(20):
        limiter.failed("c", f"session:{i}")  # one try each: no client is over its own limit
    with pytest.raises(TooManyAttempts, match="for this class: wait 30 seconds") as caught:
        limiter.check("c", "session:new")
    assert caught.value.whole_class and _wait(limiter, "other", "session:new") == 0


def test_the_tables_are_bounded():
    limiter = Attempts(max_keys=50, clock=Clock())
    for i in range(1000):
        limiter.failed(f"class{i % 3}", f"ip:{i}")
    assert len(limiter._clients) == 50 and len(limiter._classes) == 3


def test_counting_is_thread_safe():
    limiter = Attempts(class_failures=10**9, clock=Clock())

    def guess(n):
        for i in range(200):
            limiter.failed("c", f"t{n}-{i % 7}")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert limiter._classes["c"].failures == 1600
    assert sum(c.failures for c in limiter._clients.values()) == 1600


@pytest.fixture
def store(tmp_path):
    s = RunStore(tmp_path / "runs.db")
    yield s
    s.close()


def test_join_refuses_a_locked_out_try_before_hashing_and_says_how_long(store, monkeypatch):
    klass = create_class(store, TEACHER, "C", BASE, password="pw-123")
    limiter = Attempts(client_failures=5, client_wait_s=5, clock=Clock())
    hashes = []
    real = classes_module.check_password
    monkeypatch.setattr(classes_module, "check_password", lambda *a: hashes.append(1) or real(*a))
    for i in range(4):
        with pytest.raises(ClassError, match=r"^That is not the class password\. Ask your teacher for it\.$"):
            join(store, klass, ANN, "Ann", f"guess{i}", client="ip:10.0.0.9", attempts=limiter)
    with pytest.raises(ClassError, match="not the class password.*wait 5 seconds"):
        join(store, klass, ANN, "Ann", "guess4", client="ip:10.0.0.9", attempts=limiter)
    assert len(hashes) == 5
    with pytest.raises(ClassError, match=r"Too many wrong passwords for this device: wait 5 seconds"):
        join(store, klass, ANN, "Ann", "pw-123", client="ip:10.0.0.9", attempts=limiter)  # even the right one
    assert len(hashes) == 5 and member_name(store, klass, ANN) is None  # no scrypt for a locked-out try
    assert join(store, klass, ANN, "Ann", "pw-123", client="ip:10.0.0.7", attempts=limiter) == "Ann"
    limiter.clock.now += 5
    assert join(store, klass, "o-" + "c" * 32, "Cy", "pw-123", client="ip:10.0.0.9", attempts=limiter) == "Cy"


def test_join_uses_the_servers_limiter_by_default_and_a_class_without_password_is_not_counted(store):
    from synaptic_core.classroom import ATTEMPTS

    klass = create_class(store, TEACHER, "C", BASE, password="pw")
    for _ in range(ATTEMPTS.client_failures):
        with pytest.raises(ClassError):
            join(store, klass, ANN, "Ann", "nope", client="session:x")
    with pytest.raises(ClassError, match="wait"):
        join(store, klass, ANN, "Ann", "pw", client="session:x")
    open_class = create_class(store, TEACHER, "Open", BASE)
    assert join(store, open_class, ANN, "Ann", None, client="session:x") == "Ann"
    assert (open_class.id, "session:x") not in ATTEMPTS._clients

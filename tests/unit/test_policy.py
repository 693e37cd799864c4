"""The shared-server rules on their own: limits from the environment, fair turns, rights, size checks."""

from __future__ import annotations

import pytest

from synaptic_core.jobs.policy import (Actor, Limits, ModelTooLarge, actor_for, check_model_size, check_params,
                                       fair_order, is_admin_token, may_control, minutes)
from synaptic_core.models.size import DataShape, estimate, expected_data
from synaptic_core.specs import RunSpec, SpecError

HUGE = RunSpec().replace(dataset="mnist", model="mlp", hidden=(4096,) * 16)


def test_limits_from_the_environment():
    assert Limits.from_env({}) == Limits() == Limits(4, 3600.0, 20_000_000, 2000.0, 30.0)
    env = {"SYNAPTIC_MAX_RUNS_PER_PERSON": "3", "SYNAPTIC_MAX_RUN_MINUTES": "1.5", "SYNAPTIC_MAX_PARAMS": "0",
           "SYNAPTIC_MAX_MODEL_MB": " 512 ", "SYNAPTIC_STOP_GRACE_SECONDS": "5"}
    limits = Limits.from_env(env)
    assert limits == Limits(3, 90.0, 0, 512.0, 5.0)
    assert Limits.from_env(limits.to_env()) == limits  # what a worker process receives
    for name, bad in (("SYNAPTIC_MAX_RUNS_PER_PERSON", "2.5"), ("SYNAPTIC_MAX_RUN_MINUTES", "-1"),
                      ("SYNAPTIC_MAX_PARAMS", "lots"), ("SYNAPTIC_MAX_MODEL_MB", "nan"),
                      ("SYNAPTIC_MAX_MODEL_MB", "inf")):
        with pytest.raises(ValueError, match=name):
            Limits.from_env({name: bad})
    assert (minutes(60 * 60), minutes(60), minutes(90), minutes(30), minutes(1)) == (
        "60 minutes", "1 minute", "1.5 minutes", "30 seconds", "1 second")


def test_fair_order():
    runs = [("a", 1), ("a", 2), ("a", 3), ("b", 1), ("c", 1), ("c", 2)]
    owner = lambda r: r[0]  # noqa: E731
    assert fair_order(runs, owner, {}) == [("a", 1), ("b", 1), ("c", 1), ("a", 2), ("c", 2), ("a", 3)]
    # a started most recently, then c, b never: b first, then c, then a
    assert fair_order(runs, owner, {"a": 7, "c": 5}) == [("b", 1), ("c", 1), ("a", 1), ("c", 2), ("a", 2), ("a", 3)]
    assert fair_order([], owner, {"a": 1}) == []
    one = [("x", i) for i in range(5)]
    assert fair_order(one, owner, {"x": 3}) == one  # one person: first come, first served


def test_who_may_control_a_run(monkeypatch):
    assert may_control("o-me", None)  # the trusted local caller (CLI, tests, the server itself)
    assert may_control("o-me", "o-me") and may_control("o-me", Actor(owner="o-me"))
    assert not may_control("o-me", "o-you") and not may_control("o-me", Actor())
    assert may_control("o-me", Actor(admin=True)) and may_control(None, Actor(admin=True))
    assert may_control("o-me", Actor(owner="o-t", controls=frozenset({"o-me"})))
    assert not may_control(None, "o-me")  # an owner-less run is the operator's
    with pytest.raises(TypeError):
        may_control("o-me", 42)

    monkeypatch.delenv("SYNAPTIC_ADMIN_TOKEN", raising=False)
    assert not is_admin_token("anything-at-all-long-enough")
    monkeypatch.setenv("SYNAPTIC_ADMIN_TOKEN", "short")
    assert not is_admin_token("short")  # a guessable secret is no secret: refused
    secret = "s3cret-admin-token-of-some-length"
    monkeypatch.setenv("SYNAPTIC_ADMIN_TOKEN", secret)
    assert is_admin_token(secret) and not is_admin_token(secret + "x") and not is_admin_token(None)
    from synaptic_core.identity import new_token, owner_id

    token = new_token()
    assert actor_for(token) == Actor(owner=owner_id(token), admin=False, label="the teacher")
    admin = actor_for(secret)
    assert admin.admin and admin.label == "an admin"


def test_the_255m_dense_net_is_refused_and_a_cnn_passes():
    with pytest.raises(ModelTooLarge) as refused:
        check_model_size(HUGE, Limits())
    err = refused.value
    assert isinstance(err, SpecError) and err.issues[0].param == "hidden"
    assert (err.value, err.limit, err.setting) == (254_976_010, 20_000_000, "SYNAPTIC_MAX_PARAMS")
    assert str(err) == ("This model has 254,976,010 parameters, more than the limit of 20,000,000 "
                        "(SYNAPTIC_MAX_PARAMS). Use fewer or smaller layers.")
    cnn = RunSpec().replace(dataset="mnist", model="cnn", filters=(32, 64), hidden=(128,))
    size = check_model_size(cnn, Limits())
    assert size.params == 421_642 and size.memory_mb < 200
    # without a parameter cap the memory estimate stops it: 255 M x 4 bytes x 4 (weights, grads, 2 Adam slots)
    # = 4,080 MB, plus a batch of activations: 4.2 GB (issue 11 measured a 4.4 GB worker, TensorFlow included)
    with pytest.raises(ModelTooLarge, match=r"about 4,215 MB .*state 4,080 MB.* limit of 2,000 MB \(SYNAPTIC_MAX_MODEL_MB\)"):
        check_model_size(HUGE, Limits(max_params=0))
    assert check_model_size(HUGE, Limits(max_params=0, max_model_mb=0)).params == 254_976_010
    assert check_model_size(RunSpec().replace(dataset="nowhere"), Limits()) is None  # unknown: the worker checks
    with pytest.raises(ModelTooLarge, match="1,001 parameters"):
        check_params(1001, Limits(max_params=1000), cnn, "image")
    check_params(1000, Limits(max_params=1000))


def test_expected_data_follows_the_spec():
    assert expected_data(RunSpec().replace(dataset="mnist")) == DataShape((28, 28, 1), 10, "image")
    assert expected_data(RunSpec().replace(dataset="mnist", classes=(3, 8))).n_classes == 2
    assert expected_data(RunSpec().replace(dataset="imdb", seq_len=80, vocab_size=500)) == \
        DataShape((80,), 2, "text", vocab=502)
    assert expected_data(RunSpec().replace(dataset="sine", look_back=7)) == DataShape((7, 1), 0, "series")
    assert expected_data(RunSpec().replace(dataset="shakespeare", seq_len=50)).input_shape == (50,)
    assert expected_data(RunSpec().replace(dataset="circle")) == DataShape((2,), 2, "toy")


def test_memory_estimate_counts_optimizer_slots_and_the_batch():
    data = DataShape((28, 28, 1), 10, "image")
    base = RunSpec().replace(model="mlp", hidden=(100,), batch_size=10)
    adam, sgd = estimate(base, data), estimate(base.replace(optimizer="sgd"), data)
    assert adam.params == sgd.params == 784 * 100 + 100 + 1010
    assert (adam.optimizer_slots, sgd.optimizer_slots) == (2, 0)
    assert adam.weight_bytes == adam.params * 4 * 4 and sgd.weight_bytes == sgd.params * 4 * 2
    big_batch = estimate(base.replace(batch_size=1000), data)
    assert big_batch.activation_bytes == 100 * adam.activation_bytes

"""Owner tokens and ids: format checks, one-way ids, who may control and who may view a run."""

from __future__ import annotations

import hashlib

import pytest

from synaptic_core import identity
from synaptic_core.identity import (bearer_token, can_control, can_view, is_owner_id, is_token, new_token,
                                    owner_id, owns)
from synaptic_core.store import RunStore, new_run_id


def test_new_tokens_are_long_random_and_url_safe():
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    for t in tokens:
        assert is_token(t) and len(t) == 43
        assert set(t) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_owner_id_is_stable_prefixed_and_not_the_token():
    t = new_token()
    oid = owner_id(t)
    assert oid == owner_id(t) and is_owner_id(oid)
    assert oid.startswith("o-") and len(oid) == 34
    assert t not in oid and oid[2:] != hashlib.sha256(t.encode()).hexdigest()[:32]  # domain-separated
    assert owner_id(new_token()) != oid


@pytest.mark.parametrize("bad", [None, "", "short", "x" * 31, "x" * 129, "has space" * 5, "é" * 40,
                                 "a/b" * 20, "a+b=" * 10, 12345, b"x" * 40, ["x" * 40]])
def test_bad_or_missing_tokens_have_no_owner_id(bad):
    assert owner_id(bad) is None
    assert not is_token(bad)


def test_legacy_owner_values_are_not_owner_ids():
    for legacy in ("cli", "bench", "3f2a9c1b7d4e", None, "o-xyz", "o-" + "g" * 32):
        assert not is_owner_id(legacy)


def test_only_the_owner_controls_and_anyone_with_the_link_views():
    alice, bob = new_token(), new_token()
    run = {"id": "r1", "owner": owner_id(alice)}
    assert owns(run, alice) and can_control(run, alice)
    assert not can_control(run, bob) and not can_control(run, None) and not can_control(run, "garbage")
    assert can_view(run, alice) and can_view(run, bob) and can_view(run, None)  # the id is the link
    assert can_view(run, alice, by_link=False)
    assert not can_view(run, bob, by_link=False) and not can_view(run, None, by_link=False)
    assert not can_view(None, alice) and not can_control(None, alice)


def test_legacy_and_ownerless_runs_are_controlled_by_nobody():
    t = new_token()
    for owner in (None, "cli", "3f2a9c1b7d4e", ""):
        assert not can_control({"id": "r", "owner": owner}, t)
    # a token equal to a stored (legacy) owner string does not make its holder the owner
    legacy = "x" * 40
    assert not can_control({"id": "r", "owner": legacy}, legacy)


def test_store_keeps_the_owner_id_never_the_token(tmp_path):
    store = RunStore(tmp_path / "runs.db")
    t = new_token()
    run_id = store.create_run({"dataset": "xor", "model": "mlp"}, owner=owner_id(t))
    assert [r["id"] for r in store.list_runs(owner=owner_id(t))] == [run_id]
    assert can_control(store.get_run(run_id), t)
    store.close()
    assert t.encode() not in (tmp_path / "runs.db").read_bytes()
    wal = tmp_path / "runs.db-wal"
    assert not wal.exists() or t.encode() not in wal.read_bytes()


def test_run_ids_carry_64_random_bits():
    rid = new_run_id()
    stamp, date_time, rand = rid[:8], rid[9:15], rid.rsplit("-", 1)[1]
    assert stamp.isdigit() and date_time.isdigit() and len(rand) == 16
    int(rand, 16)
    assert len({new_run_id() for _ in range(100)}) == 100


@pytest.mark.parametrize("header,expected", [
    (None, None), ("", None), ("Basic abc", None), ("Bearer", None), ("Bearer short", None),
])
def test_bearer_token_rejects_malformed_headers(header, expected):
    assert bearer_token(header) is expected


def test_bearer_token_reads_the_token_any_case():
    t = new_token()
    assert bearer_token(f"Bearer {t}") == t
    assert bearer_token(f"bearer   {t} ") == t
    assert identity.owner_id(bearer_token(f"BEARER {t}")) == owner_id(t)

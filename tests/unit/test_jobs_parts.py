"""The job runner's small parts: exit reasons, target paths, max_jobs, the child's sink."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading

import pytest

from synaptic_core.jobs import DEFAULT_TARGET, TargetConfig, resolve_max_jobs
from synaptic_core.jobs.exits import death_reason, oom_kills
from synaptic_core.jobs.target import LIGHT_PROBE, extend_sys_path, resolve
from synaptic_core.jobs.worker import PipeSink


def test_death_reasons():
    assert death_reason(-signal.SIGKILL, forced=True)[0] == "killed"
    assert death_reason(None, forced=True)[0] == "killed"
    for code in (-signal.SIGKILL, 137):
        # without the kernel's word a SIGKILL is a kill, possibly (not certainly) out of memory
        kind, message = death_reason(code, forced=False)
        assert kind == "killed" and "signal 9 (SIGKILL)" in message and "possibly out of memory" in message
        assert death_reason(code, forced=False, oom_before=2, oom_after=2)[0] == "killed"
        kind, message = death_reason(code, forced=False, oom_before=2, oom_after=3)
        assert kind == "oom" and "out-of-memory killer" in message
    assert death_reason(-signal.SIGTERM, forced=False) == ("crash", "the job's process died from SIGTERM")
    assert death_reason(-signal.SIGSEGV, forced=False) == ("crash", "the job's process died from SIGSEGV")
    assert death_reason(3, forced=False) == ("crash", "the job's process exited with code 3 before it finished")
    assert death_reason(0, forced=False) == ("crash", "the job's process ended without a result")


def test_resolve_target_paths():
    assert resolve("os.path:join") is os.path.join
    assert resolve("os.path.join") is os.path.join
    assert resolve("os:path.join") is os.path.join
    with pytest.raises(ValueError):
        resolve("join")
    with pytest.raises(TypeError):
        resolve("os:sep")
    with pytest.raises(ModuleNotFoundError):
        resolve("no_such_module_xyz:f")


def test_target_config_of():
    assert TargetConfig.of(None) == TargetConfig.of(DEFAULT_TARGET) == TargetConfig()
    assert TargetConfig().warm == ("tensorflow", "keras")
    light = TargetConfig.of("pkg.mod:fn")
    assert (light.target, light.warm, light.probe) == ("pkg.mod:fn", (), LIGHT_PROBE)
    custom = TargetConfig(target="a:b", warm=("json",))
    assert TargetConfig.of(custom) is custom
    with pytest.raises(TypeError):
        TargetConfig.of(3)


def test_max_jobs(monkeypatch):
    monkeypatch.delenv("SYNAPTIC_MAX_JOBS", raising=False)
    assert resolve_max_jobs() == max(1, (os.cpu_count() or 1) // 2)
    assert resolve_max_jobs(3) == 3
    monkeypatch.setenv("SYNAPTIC_MAX_JOBS", "5")
    assert resolve_max_jobs() == 5 and resolve_max_jobs(2) == 2
    monkeypatch.setenv("SYNAPTIC_MAX_JOBS", "many")
    with pytest.raises(ValueError, match="SYNAPTIC_MAX_JOBS"):
        resolve_max_jobs()
    with pytest.raises(ValueError):
        resolve_max_jobs(0)


def test_extend_sys_path(monkeypatch):
    monkeypatch.setattr(sys, "path", ["/x", "/a"])
    extend_sys_path(("/a", "/b"))
    assert sys.path == ["/a", "/b", "/x"]


def test_pipe_sink_sends_events_and_reads_the_stop_flag():
    parent, child = multiprocessing.Pipe()
    stop = threading.Event()
    sink = PipeSink(child, stop)
    sink.emit({"type": "status", "stage": "loading"})
    assert parent.recv() == ("event", {"type": "status", "stage": "loading"})
    with pytest.raises(ValueError):
        sink.emit({"stage": "no type"})
    assert not sink.should_stop()
    stop.set()
    assert sink.should_stop()


def test_oom_counter_from_cgroup_files(tmp_path):
    """cgroup v2 (memory.events) and v1 (memory.oom_control), the cgroup's own folder before the root."""
    v2 = tmp_path / "v2"
    (v2 / "app").mkdir(parents=True)
    (v2 / "app" / "memory.events").write_text("low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n")
    (v2 / "memory.events").write_text("oom_kill 9\n")
    cg = tmp_path / "cgroup-v2"
    cg.write_text("0::/app\n")
    assert oom_kills(root=v2, proc_cgroup=cg) == 2
    v1 = tmp_path / "v1"
    (v1 / "memory").mkdir(parents=True)
    (v1 / "memory" / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 5\n")
    cg1 = tmp_path / "cgroup-v1"
    cg1.write_text("5:cpu:/\n4:memory:/not/mounted/here\n0::/\n")
    assert oom_kills(root=v1, proc_cgroup=cg1) == 5  # the container's mount root when the path is not there
    assert oom_kills(root=tmp_path / "none", proc_cgroup=tmp_path / "missing") is None

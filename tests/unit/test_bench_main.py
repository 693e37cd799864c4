"""The measuring commands' ends (``bench.print_figures``): their figures as JSON and status 0, or a refusal
(a setting out of range, a server or browser that would not start) as one ``error:`` line and status 1.
Nothing is measured here: the measurement is replaced, or refused before it starts."""

from __future__ import annotations

import json

import pytest

from synaptic_core.bench import coldstart, pageopen, print_figures


def test_figures_print_as_json_and_refusals_as_one_error_line(capsys):
    assert print_figures(lambda: {"health_median_s": 1.25}) == 0
    out = capsys.readouterr()
    assert json.loads(out.out) == {"health_median_s": 1.25} and out.err == ""

    def refuse() -> dict:
        raise RuntimeError("the server did not start")

    assert print_figures(refuse) == 1
    out = capsys.readouterr()
    assert out.err == "error: the server did not start\n" and out.out == ""


def test_a_bug_is_not_turned_into_an_error_line():
    with pytest.raises(KeyError):
        print_figures(lambda: {}["missing"])


def test_coldstart_refuses_a_bad_count_before_starting_anything(capsys):
    assert coldstart.main(["--runs", "0"]) == 1
    assert capsys.readouterr().err == "error: runs must be at least 1\n"


def test_pageopen_prints_what_it_measured(monkeypatch, capsys):
    seen = {}

    def measure(**kwargs):
        seen.update(kwargs)
        return {"cpu_s_per_open": 0.5}

    monkeypatch.setattr(pageopen, "measure_page_open", measure)
    assert pageopen.main(["--opens", "2", "--no-pin"]) == 0
    assert json.loads(capsys.readouterr().out) == {"cpu_s_per_open": 0.5}
    assert seen["opens"] == 2 and seen["pin"] is False and seen["path"] == pageopen.PATH

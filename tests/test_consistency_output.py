"""`consistency` shows progress, never cuts criterion names short, and says how to declare a difference."""

from __future__ import annotations

import datetime as dt

import yaml

from conftest import EXAMPLES
from eligibility import consistency, render


def _case(name):
    data = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))

    def text(value):
        if isinstance(value, dict):
            return {k: text(v) for k, v in value.items()}
        if isinstance(value, list):
            return [text(v) for v in value]
        return value.isoformat() if hasattr(value, "isoformat") else value
    return text(data)


def _difference(engine):
    eligible = engine.decide(_case("rutland-eligible.yaml"))
    not_eligible = engine.decide(_case("leicester-not-eligible.yaml"))
    return consistency.Difference("adult-eligibility", dt.date(2024, 5, 1), ("leicester", "rutland"), {"person": {}},
                                  ("outcome: not_eligible for leicester, eligible for rutland",),
                                  (not_eligible, eligible))


def test_criterion_names_are_never_cut_short(engine):
    text = render.difference_text(_difference(engine))
    assert "  unable-to-achieve-two-or-more-outcomes " in text


def test_a_difference_comes_with_how_to_declare_it(engine):
    text = render.difference_text(_difference(engine))
    assert "rules/rutland/settings.yaml" in text and "variations:" in text
    assert "decisions: [adult-eligibility]" in text and "outcome_may_differ: true" in text
    assert "effective_from: 2024-05-01" in text


def test_the_search_reports_its_progress(engine):
    seen = []
    consistency.check(engine, ["adult-eligibility"], [dt.date(2024, 5, 1)], 3,
                      progress=lambda done, total, label: seen.append((done, total, label)))
    assert [(done, total) for done, total, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    assert "adult-eligibility" in seen[0][2] and "2024-05-01" in seen[0][2]

"""The C (libyaml) and pure-Python YAML parsers give the same data, positions and errors."""

from __future__ import annotations

import random

import pytest

from eligibility import source

from conftest import GOLDEN, RULES

FILES = sorted(RULES.rglob("*.yaml")) + sorted(GOLDEN.rglob("*.yaml"))


def _outcome(text, fast: bool):
    parse_fast = source._parse_fast
    if not fast:
        def refuse(_text):
            raise source._Again
        source._parse_fast = refuse
    try:
        data, smap = source.parse(text, "f.yaml")
        return "ok", data, dict(smap.positions)
    except source.YamlProblem as exc:
        return "error", exc.diagnostic
    finally:
        source._parse_fast = parse_fast


def _variants(text, rng, n):
    yield text
    for _ in range(n):
        chars = list(text)
        for _ in range(rng.randint(1, 3)):
            if not chars:
                break
            i = rng.randrange(len(chars))
            if rng.random() < 0.4:
                del chars[i]
            else:
                chars.insert(i, rng.choice(list(":-[]{}\t\n #&*'\"|>!%@`\x07\ufeff\r\u2028é ")))
        yield "".join(chars)


def test_the_c_parser_is_used_for_valid_files():
    assert source._CSafeLoader is not None, "PyYAML was built without libyaml"
    data, node = source._parse_fast((RULES / "shared" / "adult-eligibility.yaml").read_text("utf-8"))
    assert data["kind"] == "rule-set"


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x\n", "a: 1\n\tb: 2\n", "\ufeffa: 1\n", "a: 1\nb:\n", "", "a: [1,\n",
                                  "a: 1\na: 2\n", "--- 1\n--- 2\n", "a: {b: , c: 1}\n"])
def test_anything_unusual_is_left_to_the_pure_python_parser(text):
    assert _outcome(text, fast=True) == _outcome(text, fast=False)


def test_random_edits_of_real_files_give_the_same_result_either_way():
    rng = random.Random(20261130)
    compared = 0
    for path in rng.sample(FILES, min(len(FILES), 40)):
        for text in _variants(path.read_text("utf-8", errors="replace"), rng, 2):
            assert _outcome(text, fast=True) == _outcome(text, fast=False), (path, text)
            compared += 1
    assert compared > 100

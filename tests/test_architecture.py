"""Each third-party library is imported in exactly one module."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "eligibility"
ALLOWED = {"yaml": {"source"}, "jsonschema": {"validate"}, "referencing": {"validate"},
           "durable": {"durable_engine"}, "click": {"cli"}, "hypothesis": {"generate"},
           "psycopg": {"log_store"},
           "jinja2": {"letter_html"}, "weasyprint": {"letter_pdf"},
           "fastapi": {"service"}, "starlette": {"service"}, "uvicorn": {"server"}, "tqdm": {"progress"},
           "distributed": {"dask_runner"}, "z3": {"smt"},
           "orjson": {"stable_json"}}


def test_third_party_imports_stay_in_their_module():
    found = {}
    for path in SRC.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
            for name in names:
                top = name.split(".")[0]
                if top in ALLOWED:
                    found.setdefault(top, set()).add(path.stem)
    assert found == ALLOWED


def test_rule_files_are_never_evaluated_as_code():
    for path in SRC.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert not calls & {"eval", "exec", "compile", "__import__"}, path.name
        assert "yaml.load(" not in path.read_text(encoding="utf-8") and "unsafe_load" not in path.read_text(encoding="utf-8")

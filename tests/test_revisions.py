"""Rules taken from a directory or from a revision of a git repository (git:REV)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import eligibility
from eligibility.loader import bundled_rules_dir
from eligibility.revisions import RulesSourceError, rules_at

RULES = bundled_rules_dir()


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
                               "HOME": str(repo), "PATH": "/usr/bin:/bin:/usr/local/bin"}).stdout


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "council-rules"
    shutil.copytree(RULES, repo / "rules")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "first")
    return repo


def test_a_directory_is_used_as_it_is(tmp_path):
    with rules_at(RULES) as root:
        assert root == RULES


def test_git_head_gives_the_committed_rules_not_the_working_tree(repo):
    settings = repo / "rules" / "rutland" / "settings.yaml"
    committed = settings.read_bytes()
    settings.write_text("edited: true\n")
    with rules_at("git:HEAD", repo=repo) as root:
        assert (root / "rutland" / "settings.yaml").read_bytes() == committed
        assert sorted(p.name for p in root.iterdir()) == sorted(p.name for p in RULES.iterdir())
        kept = root
    assert not kept.exists(), "the copy is removed afterwards"


def test_the_rules_taken_from_git_load_and_decide(repo):
    with rules_at("git:HEAD", repo=repo) as root:
        assert len(eligibility.load(root).decisions) == len(eligibility.load(RULES).decisions)


def test_an_earlier_revision_and_a_folder_given_by_its_path(repo):
    first = _git(repo, "rev-parse", "HEAD").strip()
    (repo / "rules" / "rutland" / "settings.yaml").write_text("changed: true\n")
    _git(repo, "commit", "-qam", "second")
    with rules_at(f"git:{first}", repo=repo, folder=repo / "rules") as root:
        assert (root / "rutland" / "settings.yaml").read_bytes() == (RULES / "rutland" / "settings.yaml").read_bytes()
    with rules_at("git:HEAD~0", repo=repo) as root:
        assert (root / "rutland" / "settings.yaml").read_text() == "changed: true\n"


@pytest.mark.parametrize("spec, expected", [
    ("git:no-such-branch", "is not a revision"),
    ("git:", "needs a revision"),
])
def test_bad_revisions_are_refused_with_a_hint(repo, spec, expected):
    with pytest.raises(RulesSourceError, match=expected) as caught:
        with rules_at(spec, repo=repo):
            pass
    assert caught.value.hint


def test_outside_a_repository_and_a_missing_folder(tmp_path, repo):
    with pytest.raises(RulesSourceError, match="not inside a git repository"):
        with rules_at("git:HEAD", repo=tmp_path):
            pass
    with pytest.raises(RulesSourceError, match="has no folder 'elsewhere'"):
        with rules_at("git:HEAD", repo=repo, folder="elsewhere"):
            pass
    with pytest.raises(RulesSourceError, match="is not a directory"):
        with rules_at(tmp_path / "missing"):
            pass

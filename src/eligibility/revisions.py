"""Where a set of rules comes from: a directory, or the rules folder at a revision of a git repository.

    with rules_at("rules/") as root: ...            # a directory, used as it is
    with rules_at("git:HEAD") as root: ...          # rules/ as last committed
    with rules_at("git:v1.2", folder="my-rules"):   # another folder, at a tag

``git:REV`` takes the rules folder from the history of the git repository that holds the
current directory (or ``repo``). The folder is ``folder`` (a path inside the repository,
``rules`` by default); a directory given as ``folder`` that lies inside the repository is
taken by its path there, so ``eligibility diff git:HEAD rules/`` compares like with like.
The files are copied out of git into a temporary directory that is removed afterwards;
nothing in the working tree is touched.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .diagnostics import EligibilityError

GIT_PREFIX = "git:"


class RulesSourceError(EligibilityError):
    """The rules asked for cannot be had: no such directory, not a git repository, no such revision."""

    def __init__(self, message: str, hint: str | None = None):
        self.message, self.hint = message, hint
        super().__init__(message if hint is None else f"{message} ({hint})")


def is_git_spec(spec: str) -> bool:
    return isinstance(spec, str) and spec.startswith(GIT_PREFIX)


def describe(spec: str) -> str:
    """How to name a rules source to a person: the directory, or 'rules at git revision REV'."""
    return f"the rules at git revision {spec[len(GIT_PREFIX):]}" if is_git_spec(spec) else str(spec)


@contextlib.contextmanager
def rules_at(spec: str | os.PathLike, *, folder: str | os.PathLike | None = None,
             repo: str | os.PathLike | None = None):
    """Yield a rules directory for ``spec``: a directory path, or ``git:REV``.

    Raises RulesSourceError when the directory does not exist, the current directory (or
    ``repo``) is not inside a git repository, the revision is unknown, or the revision has
    no rules folder.
    """
    if not is_git_spec(str(spec)):
        path = Path(spec)
        if not path.is_dir():
            raise RulesSourceError(f"{path} is not a directory",
                                   "give a rules directory (holding shared/ and the council folders) or git:REV")
        yield path
        return
    revision = str(spec)[len(GIT_PREFIX):]
    if not revision:
        raise RulesSourceError("git: needs a revision", "write git:HEAD, git:main, git:v1.2 or a commit id")
    top = _repository_top(Path(repo) if repo is not None else Path.cwd())
    inside = _path_in_repository(top, folder)
    commit = _git(top, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}",
                  failure=RulesSourceError(f"'{revision}' is not a revision of the git repository at {top}",
                                           "try git:HEAD, a branch or tag name, or a commit id from 'git log'"))
    listing = _git(top, "ls-tree", "-d", "--name-only", commit.strip(), "--", inside)
    if not listing.strip():
        raise RulesSourceError(f"revision {revision} of {top} has no folder '{inside}'",
                               "the rules folder is looked for at the same path inside the repository as the directory compared with it, "
                               "or at rules/")
    import subprocess                       # here, not at the top: every command imports this module, few use git
    import tempfile

    with tempfile.TemporaryDirectory(prefix=f"eligibility-git-{_safe(revision)}-") as tmp:
        archive = subprocess.run(["git", "-C", str(top), "archive", "--format=tar", commit.strip(), "--", inside],
                                 capture_output=True, check=False)
        if archive.returncode != 0:
            raise RulesSourceError(f"git could not export '{inside}' at {revision}: "
                                   f"{archive.stderr.decode('utf-8', 'replace').strip()}")
        _extract(archive.stdout, Path(tmp))
        yield Path(tmp) / inside


def _repository_top(start: Path) -> Path:
    top = _git(start if start.is_dir() else start.parent, "rev-parse", "--show-toplevel",
               failure=RulesSourceError(f"{start} is not inside a git repository",
                                        "run the command inside the repository that holds the rules, "
                                        "or give a rules directory instead of git:REV"))
    return Path(top.strip())


def _path_in_repository(top: Path, folder) -> str:
    if folder is None:
        return "rules"
    path = Path(folder)
    if path.is_absolute() or path.exists():
        try:
            return Path(os.path.relpath(path.resolve(), top.resolve())).as_posix()
        except ValueError:
            pass
    return path.as_posix().strip("/") or "rules"


def _git(cwd: Path, *args: str, failure: RulesSourceError | None = None) -> str:
    import subprocess

    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise RulesSourceError("git is not installed", "install git, or give a rules directory instead of git:REV") \
            from None
    if done.returncode != 0:
        if failure is not None:
            raise failure
        raise RulesSourceError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _extract(data: bytes, into: Path) -> None:
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            target = (into / member.name).resolve()
            if not (member.isdir() or member.isfile()) or not str(target).startswith(str(into.resolve())):
                continue                    # links and anything outside the folder are never followed
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.extractfile(member).read())


def _safe(revision: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in revision)[:40]

"""The rules cache: rule files already read and schema-checked, kept on disk between runs.

Reading the rule files (YAML) and checking them against their JSON Schemas is most of the
cost of loading rules. When a rules directory has loaded without a problem, what those
two stages produced (the data and the line and column of every value) is written to the
user's cache directory (``$XDG_CACHE_HOME/eligibility``, by default
``~/.cache/eligibility``). The next load of the very same files skips both stages; every
later stage (building the model, the checks of meaning, compiling) runs as always.

* **Key.** The file name is a sha256 digest of the content of every rule file, with its
  folder and name, and of the versions of this package (including its code and schemas),
  of Python and of durable-rules. Change any rule file, or upgrade any of them, and the
  key changes.
* **Format.** Plain JSON, which cannot run code, whatever anyone writes into it. The
  first line is a header naming the format, the key and the sha256 of the rest.
* **Never trusted.** An entry is used only if it is a regular file owned by the current
  user, writable by nobody else, whose header, checksum, key and list of files all match
  and whose contents have the expected shape; anything else (including any error while
  building from it) means the rules are read from the files again and the entry is
  rewritten. An entry is written only after the rules have loaded and the engine has
  accepted every rule set, so an entry also means "the engine can hold these rules".
* **Never in the way.** A cache directory that cannot be created or written is ignored.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import stat
import sys
from pathlib import Path

from . import stable_json

FORMAT = "eligibility-rules-cache/1"
MAX_BYTES = 64 * 1024 * 1024
_PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """Where entries are kept: $XDG_CACHE_HOME/eligibility, else ~/.cache/eligibility."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "eligibility"


def _code_fingerprint() -> str:
    """This package's version, code and schemas (by size and modification time), Python and durable-rules."""
    from . import __version__, durable_engine
    parts = [FORMAT, __version__, sys.version, durable_engine.engine_fingerprint()]
    for folder in (_PACKAGE, _PACKAGE / "schemas"):
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.is_file() and entry.name.endswith((".py", ".json")):
                st = entry.stat()
                parts.append(f"{folder.name}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


def key(files: list[tuple[Path, str]]) -> str:
    """The cache key of a list of (rule file, folder): digest of their content and every version involved."""
    h = hashlib.sha256(_code_fingerprint().encode())
    for path, folder in files:
        content = Path(path).read_bytes()
        h.update(f"\0{folder}\0{Path(path).name}\0{len(content)}\0".encode())
        h.update(hashlib.sha256(content).digest())
    return h.hexdigest()


def _entry(cache_key: str, directory: Path | None = None) -> Path:
    return (directory or cache_dir()) / f"rules-{cache_key}.json"


def read(cache_key: str, files: list[tuple[Path, str]], directory: Path | None = None):
    """The cached [(data, positions, folder)] for these files, one per file in order; None if unusable."""
    path = _entry(cache_key, directory)
    try:
        st = os.stat(path, follow_symlinks=False)
        if (not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES
                or (hasattr(os, "getuid") and st.st_uid != os.getuid())
                or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            return None
        with open(path, "rb") as handle:
            header_line = handle.readline()
            payload = handle.read()
        header = json.loads(header_line)
        if (not isinstance(header, dict) or header.get("format") != FORMAT or header.get("key") != cache_key
                or header.get("sha256") != hashlib.sha256(payload).hexdigest()):
            return None
        entries = stable_json.parse(payload)        # by orjson when installed: the cache's bulk
        return _checked(entries, files)
    except (OSError, ValueError, TypeError, RecursionError):
        return None


def _checked(entries, files):
    """[(data, {path: (line, column)}, folder)] if the entries have exactly the expected shape, else None."""
    if not isinstance(entries, list) or len(entries) != len(files):
        return None
    out = []
    for entry, (path, folder) in zip(entries, files):
        if (not isinstance(entry, dict) or set(entry) != {"file", "folder", "data", "positions"}
                or entry["file"] != str(path) or entry["folder"] != folder
                or not isinstance(entry["data"], dict) or not isinstance(entry["positions"], list)):
            return None
        try:
            positions = {tuple(p): (line, column) for p, line, column in entry["positions"]}
        except (TypeError, ValueError):         # not [path, line, column] triples, or a path that is not a list
            return None
        if (set(map(type, itertools.chain.from_iterable(positions.values()))) - {int}
                or set(map(type, itertools.chain.from_iterable(positions))) - {int, str}
                or min(itertools.chain.from_iterable(positions.values()), default=1) < 1):
            return None
        out.append((entry["data"], positions, folder))
    return out


def write(cache_key: str, parsed: list[tuple[Path, str, object, dict]], directory: Path | None = None) -> bool:
    """Store [(file, folder, data, {path: (line, column)})]; False (and nothing written) if that cannot be done."""
    import tempfile                         # here: only writing the cache needs it, not reading

    directory = directory or cache_dir()
    entries = [{"file": str(path), "folder": folder, "data": data,
                "positions": [[list(p), line, column] for p, (line, column) in positions.items()]}
               for path, folder, data, positions in parsed]
    try:
        payload = json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        header = json.dumps({"format": FORMAT, "key": cache_key, "sha256": hashlib.sha256(payload).hexdigest()})
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".rules-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(header.encode() + b"\n" + payload)
            os.replace(temporary, _entry(cache_key, directory))
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, TypeError, ValueError):
        return False
    return True

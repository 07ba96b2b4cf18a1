"""Loading a rules directory: read → schema-check → build → check meaning (api.Engine then compiles).

Every stage collects all of its problems; a later stage runs only when the earlier
ones found none, so an author sees every problem at once and nothing is compiled from
a broken file.
"""

from __future__ import annotations

import dataclasses
import os
from importlib import resources
from pathlib import Path

from . import model as m
from . import letter_content, rules_cache, source, validate
from .build import Builder
from .checks import check_corpus
from .completeness import check_completeness, check_settings_gaps, unused_settings
from .diagnostics import Diagnostic, RuleFileError, Span, did_you_mean, sort_diagnostics
from .limits import max_bytes
from .source import SourceMap

SHARED = "shared"                       # national law and shared agreements; every other folder is an authority
AUTHORITY_FILE = "settings.yaml"        # an authority folder is one that holds its settings


def bundled_rules_dir() -> Path:
    """The LLR rules shipped with the package (or the repository's rules/ in a source checkout)."""
    installed = resources.files("eligibility").joinpath("bundled_rules")
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parents[2] / "rules"


def authority_folders(root: Path) -> tuple:
    """The authorities of a rules directory: every folder (other than shared/) that holds a settings.yaml."""
    if not root.is_dir():
        return ()
    return tuple(sorted(entry.name for entry in root.iterdir()
                        if entry.is_dir() and entry.name != SHARED and not entry.name.startswith(".")
                        and (entry / AUTHORITY_FILE).is_file()))


def rule_files(root: Path) -> tuple[list[tuple[Path, str]], list[Diagnostic]]:
    """The YAML files of a rules directory, with their folder; misplaced files are problems."""
    found, problems = [], []
    if not root.is_dir():
        return [], [Diagnostic("E103", f"the rules directory {display_path(root)} does not exist",
                               Span(display_path(root)),
                               hint="pass the folder that holds shared/ and one folder per authority")]
    folders = (SHARED,) + authority_folders(root)
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and entry.name in folders:
            found += [(p, entry.name) for p in sorted(entry.iterdir()) if p.suffix in (".yaml", ".yml") and p.is_file()]
        elif entry.is_dir() and not entry.name.startswith("."):
            problems.append(Diagnostic("E303", f"'{entry.name}' is not a rules folder", Span(display_path(entry)),
                                       hint=did_you_mean(entry.name, folders) or
                                       f"an authority folder holds its {AUTHORITY_FILE}; rules folders here are: "
                                       f"{', '.join(folders)}"))
        elif entry.suffix in (".yaml", ".yml"):
            problems.append(Diagnostic("E303", "rule files belong in a folder", Span(display_path(entry)),
                                       hint=f"move it into one of: {', '.join(folders)}"))
    if not found and not problems:
        problems.append(Diagnostic("E103", f"no rule files found in {display_path(root)}",
                                   Span(display_path(root)),
                                   hint="rule files end in .yaml and sit in shared/ or an authority folder"))
    return found, problems


def display_path(path) -> str:
    """A path as an author would type it: relative to the current folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def read_corpus(root: Path, limits=None) -> m.Corpus:
    """Read, schema-check and build every file; raise RuleFileError listing every problem.

    ``limits`` (limits.Limits): the largest rule file read, by default as the environment sets it.
    """
    files, problems = rule_files(root)
    return _read_and_build(files, problems, authority_folders(root), limits=limits)


def read_corpus_cached(root: Path, limits=None):
    """As read_corpus, but through the rules cache (rules_cache.py): (corpus, store).

    ``store`` is None when the files came from the cache. Otherwise calling ``store()``
    records what was read, for the next load; call it only once the rules are accepted
    in full (the engine has registered every rule set).
    """
    files, problems = rule_files(root)
    if problems or _over_the_size_limit(files, limits):     # the cache reads whole files: refuse them first
        return read_corpus(root, limits), None
    try:
        cache_key = rules_cache.key(files)
    except OSError:
        return read_corpus(root, limits), None
    cached = rules_cache.read(cache_key, files)
    if cached is not None:
        parsed = []
        for (path, folder), (data, positions, _) in zip(files, cached):
            name = display_path(path)
            parsed.append((data, SourceMap(name, source.SpanTable(name, positions)), folder))
        try:
            return _build(parsed, authority_folders(root)), None
        except Exception:               # the cache is never trusted: read the files again
            pass
    read: list = []
    corpus = _read_and_build(files, [], authority_folders(root), read, limits)

    def store():
        rules_cache.write(cache_key, [(path, folder, data, {k: (v.line, v.column) for k, v in smap.positions.items()})
                                      for (path, folder), (data, smap, _) in zip(files, read)])
    return corpus, store


def _over_the_size_limit(files, limits) -> bool:
    """Whether any rule file is larger than the rule-file size limit (read_corpus then reports it)."""
    limit = max_bytes("rule", limits)
    try:
        return any(os.stat(path).st_size > limit for path, _ in files)
    except OSError:
        return True


def _read_and_build(files, problems, authorities: tuple, read: list | None = None, limits=None) -> m.Corpus:
    """Read, schema-check and build the files; with ``read``, also collect (data, source map, folder) per file."""
    parsed = []
    for path, folder in files:
        name = display_path(path)
        try:
            data, smap = source.read(path, size_limits=limits)
        except source.YamlProblem as exc:
            problems.append(_renamed(exc.diagnostic, name))
            continue
        smap.file = name
        smap.positions = {k: Span(name, v.line, v.column) for k, v in smap.positions.items()}
        kind_problem = _kind_problem(data, smap)
        if kind_problem:
            problems.append(kind_problem)
            continue
        # an authority's own settings name it: a name that differs from its folder is reported as a misplaced file
        names = authorities if data["kind"] != "authority-settings" else ()
        schema_problems = validate.check_rule_file(data, data["kind"], smap, names)
        problems += schema_problems
        if not schema_problems:
            parsed.append((data, smap, folder))
    if problems:
        raise RuleFileError(problems)
    if read is not None:
        read += [(data, SourceMap(smap.file, dict(smap.positions)), folder) for data, smap, folder in parsed]
    return _build(parsed, authorities)


def _renamed(d: Diagnostic, name: str) -> Diagnostic:
    return Diagnostic(d.code, d.message, Span(name, d.span.line, d.span.column), d.path, d.hint)


def _kind_problem(data, smap) -> Diagnostic | None:
    if not isinstance(data, dict):
        return Diagnostic("E202", "a rule file must be a mapping of keys to values", smap.span(()), "$",
                          "start the file with 'kind: rule-set' (or case-fields, setting-definitions, authority-settings, "
                          "letter-content)")
    kind = data.get("kind")
    if kind is None:
        return Diagnostic("E201", "the file is missing the required key 'kind'", smap.span(()), "$",
                          f"kind is one of: {', '.join(validate.RULE_FILE_KINDS)}")
    if kind not in validate.RULE_FILE_KINDS:
        return Diagnostic("E204", f"'{kind}' is not a kind of rule file", smap.span(("kind",)), "$.kind",
                          did_you_mean(kind, validate.RULE_FILE_KINDS) or f"kind is one of: {', '.join(validate.RULE_FILE_KINDS)}")
    return None


def _build(parsed, authorities: tuple) -> m.Corpus:
    problems, fields, setting_defs, settings, rule_sets, folders, variations = [], {}, {}, [], [], {}, []
    letter_contents = []
    lists_by_file = {id(d): d.get("choice_lists") or {} for d, _, _ in parsed if d["kind"] == "case-fields"}
    all_lists = {name: spec["values"] for lists in lists_by_file.values() for name, spec in lists.items()}
    list_labels = {name: spec.get("labels") or {} for lists in lists_by_file.values() for name, spec in lists.items()}
    for data, smap, folder in parsed:
        builder = Builder(smap)
        folders[smap.file] = folder
        kind = data["kind"]
        if kind in ("case-fields", "setting-definitions") and folder != "shared":
            problems.append(Diagnostic("E303", f"{kind} belong in rules/shared/", smap.span(()), "$",
                                       "the facts and settings the rules use are defined once, for every authority"))
        if kind == "case-fields":
            for field in _flatten(builder.fields(data["fields"], all_lists, list_labels=list_labels)):
                if field.path in fields:
                    problems.append(Diagnostic("E302", f"the case field '{field.path}' is defined twice", field.span,
                                               "$.fields." + ".fields.".join(field.path.split(".")),
                                               f"it is also defined in {fields[field.path].span}"))
                fields[field.path] = field
        elif kind == "setting-definitions":
            for definition in builder.setting_defs(data):
                if definition.name in setting_defs:
                    problems.append(Diagnostic("E302", f"the setting '{definition.name}' is defined twice", definition.span,
                                               f"$.settings.{definition.name}",
                                               f"it is also defined in {setting_defs[definition.name].span}"))
                setting_defs[definition.name] = definition
        elif kind == "authority-settings":
            settings += builder.settings_versions(data)
            variations += builder.variations(data)
        elif kind == "letter-content":
            found, letter_problems = letter_content.build(data, smap, folder)
            letter_contents += found
            problems += letter_problems
        else:
            rule_sets.append(_members(builder.rule_set(data), folder, authorities, smap, problems))
        problems += builder.diagnostics
    if not fields:
        problems.append(Diagnostic("E201", "no case fields are defined", Span("shared/"), "$",
                                   "add a 'kind: case-fields' file to rules/shared/"))
    if problems:
        raise RuleFileError(problems)
    corpus = m.Corpus(m.Vocabulary(fields), setting_defs, settings, rule_sets, folders, variations,
                      letter_contents, authorities=authorities)
    sources = {smap.file: smap for _, smap, _ in parsed}
    corpus.sources = sources
    # a gap between settings versions is shown beside the rule sets it leaves without values (E308);
    # the other completeness checks run only on rules that are otherwise sound
    problems = (check_corpus(corpus, sources) + check_settings_gaps(corpus, sources)
                or check_completeness(corpus, sources))
    if problems:
        raise RuleFileError(problems)
    corpus.warnings = sort_diagnostics(unused_settings(corpus))
    return corpus


def _members(rule_set: m.RuleSet, folder: str, authorities: tuple, smap, problems) -> m.RuleSet:
    """Who a rule set applies to: every authority when it names none (national law), its own folder's
    authority for a local rule set, otherwise the members its applies_to names (a local agreement)."""
    if rule_set.applies_to:
        if rule_set.national:
            problems.append(Diagnostic("E204", f"national rule set '{rule_set.id}' names the authorities it applies to",
                                       smap.span(("applies_to",)), "$.applies_to",
                                       "national law applies to every authority: remove 'applies_to' "
                                       "(or remove 'national: true' if this is a local agreement)"))
        return rule_set
    return dataclasses.replace(rule_set, applies_to=authorities if folder == SHARED else (folder,))


def _flatten(fields):
    """Record fields and their sub-fields (list items are reached through their list)."""
    for field in fields:
        yield field
        if field.type == "record":
            yield from _flatten(field.children)

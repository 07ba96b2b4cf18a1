"""Letters to the person: golden HTML for every example, nothing internal shown, real PDFs."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import shutil
from html import unescape

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import eligibility
from conftest import EXAMPLES, GOLDEN, RULES, compare_golden
from eligibility import letter, letter_content
from eligibility.cases import read_case
from eligibility.cli import cli
from eligibility.diagnostics import RuleFileError

CASES = sorted(EXAMPLES.glob("*.yaml"))
LETTERS = GOLDEN / "letters"


def _letter(engine, path, output_format="html"):
    case, smap = read_case(path)
    d = engine.decide(case, smap=smap, suggest_changes=True)
    return d, letter.write(engine, d, case, output_format)


def _visible_text(html: str) -> str:
    """What a reader sees: the document without its stylesheet and tags."""
    body = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_letter_matches_golden_html(engine, path, update_golden):
    _, html = _letter(engine, path)
    compare_golden(LETTERS / f"{path.stem}.html", html.decode("utf-8"), update_golden)


def test_every_decision_kind_has_a_golden_letter(engine):
    kinds = {read_case(p)[0]["decision"] for p in CASES}
    assert kinds == set(engine.decisions)
    assert {p.stem for p in LETTERS.glob("*.html")} == {p.stem for p in CASES}


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_no_field_path_digest_file_name_or_internal_id_in_a_letter(engine, path):
    d, html = _letter(engine, path)
    text = _visible_text(html.decode("utf-8"))
    corpus = engine.corpus
    paths = [p for p in corpus.vocabulary.fields if "." in p]
    names = {p.rsplit(".", 1)[-1] for p in corpus.vocabulary.fields if "_" in p.rsplit(".", 1)[-1]}
    ids = {c.id for rs in corpus.rule_sets for c in rs.criteria} | {rs.id for rs in corpus.rule_sets}
    outcomes = {o.outcome for rs in corpus.rule_sets for o in rs.outcomes if "_" in o.outcome}
    assert not [p for p in paths if p in text], "a dotted field path is shown"
    assert not [n for n in names if re.search(rf"\b{n}\b", text)], "a field name is shown"
    assert not [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)], "an internal id is shown"
    assert not [o for o in outcomes if o in text], "an outcome's internal name is shown"
    assert not re.findall(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b", text), "an internal name with underscores is shown"
    assert not re.search(r"\b[0-9a-f]{12,}\b", text), "a digest is shown"
    assert not re.search(r"\.(ya?ml|txt|json|py)\b|rules/|examples/|sha256", text), "a file name is shown"
    assert d.reference in text                       # the reference ties the letter to the record


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_letter_is_an_accessible_document(engine, path):
    _, html = _letter(engine, path)
    html = html.decode("utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in html
    assert html.count("<h1>") == 1 and "<h2" in html
    assert "font-size: 112.5%" in html                # 18px on screen
    assert "@page" in html and "@media print" in html


def test_eligibility_letter_names_the_outcomes_wellbeing_and_eligible_needs(engine):
    _, html = _letter(engine, EXAMPLES / "rutland-eligible.yaml")
    text = _visible_text(html.decode("utf-8"))
    assert "section 13 of the Care Act 2014" in text
    assert "You cannot achieve this" in text and "You can achieve this" in text
    assert "Your eligible needs" in text and "significant effect on your wellbeing" in text
    assert "Local Government and Social Care Ombudsman" in text and "Rutland County Council" in text


def test_not_eligible_letter_gives_advice_and_what_would_change_without_promising(engine):
    d, html = _letter(engine, EXAMPLES / "rutland-not-eligible.yaml")
    text = _visible_text(html.decode("utf-8"))
    assert d.what_would_change
    assert "What could lead to a different decision" in text and "It is not a promise" in text
    assert "Number of the ten specified outcomes the adult is unable to achieve: 1 now; this would need to be 2" in text
    assert "Advice and information" in text and "carer's assessment" in text


def test_case_text_is_escaped(engine):
    case, _ = read_case(EXAMPLES / "rutland-not-eligible.yaml")
    case["facts"]["wellbeing_impact"]["rationale"] = "<script>alert('x')</script> & more"
    d = engine.decide(case, suggest_changes=True)
    html = letter.write(engine, d, case).decode("utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; more" in html


def test_contact_details_to_be_confirmed_are_left_out(engine):
    content = letter_content.in_force(engine.corpus.letter_contents, "rutland", dt.date(2024, 1, 1))
    assert content.values["phone"] == "to be confirmed by the council" and content.contact("phone") is None
    _, html = _letter(engine, EXAMPLES / "rutland-eligible.yaml")
    text = _visible_text(html.decode("utf-8"))
    assert "to be confirmed" not in text
    assert "Catmose, Oakham, Rutland, LE15 6HP" in text and "Website: www.rutland.gov.uk" in text


def test_pdf_is_a_real_pdf_with_the_letter_text(engine, caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    d, pdf = _letter(engine, EXAMPLES / "leicestershire-rehab-placement-approval-further-work.yaml", "pdf")
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"\s+", " ", text)
    assert "Leicestershire County Council" in text
    assert "The placement is not approved yet" in text
    assert f"Reference {d.reference}" in text and f"Page 1 of {len(reader.pages)}" in text
    assert "What could lead to a different decision" in text
    assert not [r.message for r in caplog.records], "the stylesheet has rules WeasyPrint cannot read"


def _one_per_decision_kind() -> list:
    """One example of each kind of decision, covering every authority (a PDF takes one to two seconds)."""
    by_kind = {}
    for path in CASES:
        by_kind.setdefault(read_case(path)[0]["decision"], []).append(path)
    chosen, used = {}, []
    for kind, paths in sorted(by_kind.items()):        # spread the authorities: the least used first
        path = min(paths, key=lambda p: (used.count(read_case(p)[0]["authority"]), p.name))
        chosen[kind] = path
        used.append(read_case(path)[0]["authority"])
    assert {read_case(p)[0]["authority"] for p in chosen.values()} == {"leicester", "leicestershire", "rutland"}
    return sorted(chosen.values())


@pytest.mark.slow
def test_every_decision_kind_prints_to_a_pdf_with_its_reference_on_every_page(engine):
    """Every example's HTML is checked above; here one of each kind is printed and read back with pypdf."""
    for path in _one_per_decision_kind():
        d, pdf = _letter(engine, path, "pdf")
        reader = PdfReader(io.BytesIO(pdf))
        pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
        assert pdf.startswith(b"%PDF-") and pages, path.name
        assert all(f"Reference {d.reference}" in page for page in pages), path.name
        assert "How to complain" in " ".join(pages), path.name


@pytest.mark.parametrize("output_format", ["html", "pdf"])
def test_letter_command_writes_a_file_in_each_format(tmp_path, output_format):
    out = tmp_path / f"letter.{output_format}"
    result = CliRunner().invoke(cli, ["letter", str(EXAMPLES / "rutland-not-eligible.yaml"),
                                      "--format", output_format, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-" if output_format == "pdf" else b"<!DOCTYPE html>")
    assert f"letter written to" in result.stderr and result.stdout == ""


def test_letter_command_writes_html_to_standard_output():
    result = CliRunner().invoke(cli, ["letter", str(EXAMPLES / "leicester-eligible.yaml")])
    assert result.exit_code == 0 and result.stdout.startswith("<!DOCTYPE html>")
    assert "Leicester City Council" in result.stdout


def test_letter_command_warns_the_case_worker_of_unconfirmed_settings_but_not_in_the_letter():
    # Who approves and funds Rutland's Lot 1 placements, and how many negative screens it asks for,
    # are readings the council papers do not confirm (confidence: unconfirmed in rutland/settings.yaml).
    result = CliRunner().invoke(cli, ["letter", str(EXAMPLES / "rutland-rehab-placement-approval-lot1-provider.yaml")])
    assert result.exit_code == 0
    warned = [line.split("'")[1] for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert warned == ["stable-with-negative-screens", "approved_by", "funded_by"]
    assert "3 thing(s) this letter states rest on council settings that the council papers do not confirm" \
        in result.stderr
    assert "unconfirmed" not in result.stdout.lower()        # the person's letter carries no internal notes
    quiet = CliRunner().invoke(cli, ["letter", str(EXAMPLES / "leicester-eligible.yaml")])
    assert quiet.exit_code == 0 and "warning" not in quiet.stderr


def test_letter_command_reports_a_bad_case_with_its_location(tmp_path):
    bad = tmp_path / "case.yaml"
    bad.write_text((EXAMPLES / "leicester-eligible.yaml").read_text().replace("decision: adult-eligibility",
                                                                              "decision: adult-eligibilty"))
    result = CliRunner().invoke(cli, ["letter", str(bad)])
    assert result.exit_code == 1 and "C405" in result.stderr and "case.yaml" in result.stderr
    assert result.stdout == ""


def test_letter_content_problems_are_located(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    path = root / "rutland" / "letters.yaml"
    path.write_text(path.read_text().replace("    phone: to be confirmed", "    phon: to be confirmed"))
    with pytest.raises(RuleFileError) as caught:
        eligibility.load(root)
    problems = [(d.code, d.span.file.rsplit("/", 2)[-2:], d.span.line) for d in caught.value.diagnostics]
    assert ("E203", ["rutland", "letters.yaml"], 17) in problems


def test_letter_content_in_the_wrong_folder_is_refused(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    path = root / "rutland" / "letters.yaml"
    path.write_text(path.read_text().replace("authority: rutland", "authority: leicester"))
    problems = eligibility.check_rules(root)
    assert [(d.code, d.span.line) for d in problems] == [("E303", 5)]


def test_a_refused_placement_gets_a_notice_with_the_reasons_and_how_to_challenge(engine):
    case, _ = read_case(EXAMPLES / "leicestershire-rehab-placement-approval-further-work.yaml")
    case["facts"]["rehab_referral"]["refusal_reasons"] = "Two placements in the last year ended early."
    d = engine.decide(case, suggest_changes=True)
    assert d.outcome == "not_approved" and d.what_would_change == ()   # a refusal is not undone by changing facts
    text = _visible_text(letter.write(engine, d, case).decode("utf-8"))
    assert "The placement is not approved. This is our final decision on this referral." in text
    assert "Two placements in the last year ended early." in text
    assert "Local Government and Social Care Ombudsman" in text
    assert "What could lead to a different decision" not in text

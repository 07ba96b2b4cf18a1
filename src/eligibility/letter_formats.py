"""The formats a letter to the person is written in, chosen by name.

`eligibility letter --format NAME` and the Accept header of `POST /v1/letters` both choose
from LETTER_FORMATS. A letter is first laid out as HTML (letter_html.py, from the
templates); its format turns that HTML into the bytes the person is given. A new format
is one new class here, added to LETTER_FORMATS; the command, the service and its OpenAPI
description do not change.

Letters are not reports: how a command's results and problems are shown (text, json) is
chosen in reporters.py.
"""

from __future__ import annotations


class HtmlLetter:
    """A standalone HTML page (its stylesheet inside), for a browser or email."""

    name = "html"
    purpose = "for a browser or email"              # shown in --help
    media_type = "text/html"
    content_type = "text/html; charset=utf-8"
    accepted = ("text/html", "text/*", "*/*")       # Accept header values answered with this format
    content_schema = {"type": "string"}             # the body, as the OpenAPI description gives it

    def prepare(self) -> None:
        """Load what this format needs; ImportError or OSError when its extra is not installed."""
        from . import letter_html  # noqa: F401  (Jinja2 is an optional extra)

    def render(self, html: str) -> bytes:
        return html.encode("utf-8")


class PdfLetter:
    """A PDF printed from the HTML (A4 pages), for printing and posting."""

    name = "pdf"
    purpose = "for printing and posting"
    media_type = "application/pdf"
    content_type = "application/pdf"
    accepted = ("application/pdf",)
    content_schema = {"type": "string", "contentMediaType": "application/pdf"}

    def prepare(self) -> None:
        from . import letter_html, letter_pdf  # noqa: F401  (OSError: WeasyPrint found no Pango library)

    def render(self, html: str) -> bytes:
        from . import letter_pdf                    # loaded only for PDF: WeasyPrint takes a while to import
        return letter_pdf.render(html)


LETTER_FORMATS = {"html": HtmlLetter(), "pdf": PdfLetter()}


def letter_format(name: str):
    """The letter format by name (a KeyError for a name not in LETTER_FORMATS)."""
    return LETTER_FORMATS[name]


def for_accept_header(accept: str) -> str | None:
    """The name of the first format the Accept header asks for, in the header's order; None if it asks for none."""
    for kind in (part.split(";")[0].strip() for part in accept.lower().split(",")):
        for name, chosen in LETTER_FORMATS.items():
            if kind in chosen.accepted:
                return name
    return None


def media_types_text() -> str:
    """'text/html or application/pdf': the media types letters are given as, for messages."""
    return " or ".join(f.media_type for f in LETTER_FORMATS.values())


__all__ = ["LETTER_FORMATS", "letter_format", "for_accept_header", "media_types_text", "HtmlLetter", "PdfLetter"]

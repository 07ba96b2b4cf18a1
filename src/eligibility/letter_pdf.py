"""Letters as PDF, printed from their HTML by WeasyPrint. The only module that imports WeasyPrint.

The HTML carries its own print stylesheet (A4 pages, the reference and page numbers in
the footer). WeasyPrint needs the Pango library, which Debian and Ubuntu ship as
``libpango-1.0-0`` (see the README).
"""

from __future__ import annotations

import weasyprint


def render(html: str) -> bytes:
    """The PDF bytes of a letter's HTML. Nothing is fetched: the letter has no external resources."""
    return weasyprint.HTML(string=html, url_fetcher=_no_fetching).write_pdf()


def _no_fetching(url, *args, **kwargs):
    raise ValueError(f"letters load nothing from outside ({url})")

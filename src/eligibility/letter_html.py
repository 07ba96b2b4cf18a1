"""Letters as HTML, from the Jinja2 templates in ``templates/``. The only module that imports Jinja2.

Autoescaping is on, so nothing from a case (an assessor's reasons, a condition) can add
markup to a letter. Undefined names in a template are errors, not blanks.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


def render(view: dict) -> str:
    """The letter as a complete HTML document (its stylesheet inside, so the file stands alone)."""
    css = (TEMPLATES / "letter.css").read_text(encoding="utf-8")
    return _environment().get_template("letter.html.j2").render(css=css, **view)

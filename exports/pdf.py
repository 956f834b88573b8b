"""PDF reports: HTML from a template, set in Noto Sans CJK, rendered by WeasyPrint.

The fonts come from the operating system's package (Debian ``fonts-noto-cjk``) and
WeasyPrint needs Pango (``libpango-1.0-0``, ``libpangoft2-1.0-0``); nothing is fetched at
run time. When either is missing the export fails with a message saying what to install.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from flask import current_app

from core.errors import DomainError
from core.i18n import lazy_message

DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DEFAULT_BOLD_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


class PdfUnavailable(DomainError):
    status = 503


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:
        raise PdfUnavailable(lazy_message(
            "PDF를 만들 수 없습니다: WeasyPrint 또는 Pango가 없습니다 "
            "(pip install weasyprint; apt-get install libpango-1.0-0 libpangoft2-1.0-0). "
            "%(error)s", error=str(error))) from None
    return weasyprint


def fonts() -> dict[str, str]:
    """The Korean font files to embed, checked to exist."""
    regular = Path(current_app.config.get("EXPORTS_PDF_FONT") or DEFAULT_FONT)
    bold = Path(current_app.config.get("EXPORTS_PDF_BOLD_FONT") or DEFAULT_BOLD_FONT)
    for font in (regular, bold):
        if not font.is_file():
            raise PdfUnavailable(lazy_message(
                "PDF를 만들 수 없습니다: 한글 글꼴 %(path)s이(가) 없습니다 "
                "(apt-get install fonts-noto-cjk).", path=str(font)))
    return {"regular": regular.as_uri(), "bold": bold.as_uri()}


def render(template: str, out: BinaryIO, **context) -> str:
    """Render ``templates/exports/<template>`` to PDF into ``out``; returns ``"pdf"``."""
    weasyprint = _weasyprint()
    # Straight from the Jinja environment: page context processors need a request, and a
    # report rendered in a worker has none.
    html = current_app.jinja_env.get_template(f"exports/{template}").render(fonts=fonts(),
                                                                           **context)
    # No base URL: the report reaches nothing but the font files named above.
    weasyprint.HTML(string=html).write_pdf(out)
    return "pdf"

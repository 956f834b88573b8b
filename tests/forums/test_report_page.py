"""The forum report on the web reads as the PDF does: a plain sentence per question, charts
whose figures are written beside them, and no figure in scientific notation, in Korean and
English (DOMAIN.md: forum 2018-04-10, 12% → 23% and 27% → 50%)."""

import html
import re

import pytest

from tests.conftest import sign_in
from tests.exports.conftest import ctx, demo  # noqa: F401 (fixtures)

EXPONENT = re.compile(r"\d(?:\.\d+)?[eE][-+]?\d")


def _text(page: str) -> str:
    """What a reader sees: the markup's text, without scripts and the SVG drawings' numbers."""
    page = re.sub(r"<(script|svg)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("language", ["ko", "en"])
def test_report_page_has_charts_sentences_and_plain_figures(demo, client, language):  # noqa: F811
    sign_in(client, demo.organizer, demo.organizer_password)
    page = client.get(f"/forums/{demo.forum.id}/report",
                      headers={"Accept-Language": language}).get_data(as_text=True)
    text = _text(page)
    assert not EXPONENT.search(text), EXPONENT.search(text).group(0)
    summaries = re.findall(r'<p class="report-summary">(.*?)</p>', page, re.S)
    # The demo forum asks three questions before and after (forums/demo.py).
    assert len(summaries) == 3
    if language == "ko":
        assert any("11%에서 23%로 늘었습니다" in s for s in summaries)
        assert any("27%에서 50%로" in s for s in summaries)
    else:
        assert any("rose from 11% to 23%" in s for s in summaries)
    # Every chart is a figure with a caption; its drawings are hidden from screen readers
    # because each bar's figure is written beside it as text.
    figures = re.findall(
        r'<figure class="shift-chart[^"]*" aria-labelledby="([^"]+)">(.*?)</figure>', page, re.S)
    assert len(figures) >= len(summaries) + 1
    for caption, body in figures:
        assert f'id="{caption}"' in body
        drawings = re.findall(r"<svg[^>]*>", body)
        values = re.findall(r'<span class="shift-bars__value">([^<]+)</span>', body)
        assert drawings and all('aria-hidden="true"' in svg for svg in drawings)
        assert len(values) == len(drawings) and all("%" in v for v in values)
    # The room against the district is a chart too, not a table to scroll sideways.
    assert 'class="shift-chart representativeness"' in page
    assert '<table class="table representativeness">' not in page

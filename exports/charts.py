"""Charts for the PDF reports, drawn as SVG markup from plain numbers.

Every bar carries its value as text, and before/after bars differ by pattern as well as
colour, so the chart reads in black and white and without colour vision.
"""

from __future__ import annotations

from html import escape

BAR_HEIGHT = 14
GAP = 10
LABEL_WIDTH = 230
CHART_WIDTH = 300
VALUE_WIDTH = 60


def paired_bars(rows: list[tuple[str, float, float]], first: str = "사전",
                second: str = "사후") -> str:
    """Horizontal bar pairs, one pair per row: (label, first share, second share), shares
    between 0 and 1. Returns an ``<svg>`` element."""
    group = 2 * BAR_HEIGHT + GAP
    height = 30 + group * len(rows)
    width = LABEL_WIDTH + CHART_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#93c5fd"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#1e3a8a" stroke-width="2"/></pattern></defs>',
        f'<rect x="{LABEL_WIDTH}" y="4" width="12" height="12" fill="url(#hatch)"/>'
        f'<text x="{LABEL_WIDTH + 16}" y="14" font-size="11">{escape(first)}</text>',
        f'<rect x="{LABEL_WIDTH + 80}" y="4" width="12" height="12" fill="#1d4ed8"/>'
        f'<text x="{LABEL_WIDTH + 96}" y="14" font-size="11">{escape(second)}</text>',
    ]
    for index, (text, before, after) in enumerate(rows):
        top = 26 + index * group
        parts.append(f'<text x="0" y="{top + BAR_HEIGHT + 4}" font-size="11">'
                     f'{escape(_shorten(text))}</text>')
        for offset, share, fill in ((0, before, "url(#hatch)"), (BAR_HEIGHT, after, "#1d4ed8")):
            length = max(0.0, min(1.0, share)) * CHART_WIDTH
            y = top + offset
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" '
                         f'height="{BAR_HEIGHT - 2}" fill="{fill}" stroke="#1e3a8a" '
                         'stroke-width="0.5"/>')
            parts.append(f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + BAR_HEIGHT - 3}" '
                         f'font-size="10">{share * 100:.1f}%</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars(rows: list[tuple[str, float]], unit: str = "") -> str:
    """Single horizontal bars scaled to the largest value, each labelled with its value."""
    top_value = max((value for _, value in rows), default=0) or 1
    height = 10 + (BAR_HEIGHT + GAP) * len(rows)
    width = LABEL_WIDTH + CHART_WIDTH + VALUE_WIDTH + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    for index, (text, value) in enumerate(rows):
        y = 5 + index * (BAR_HEIGHT + GAP)
        length = value / top_value * CHART_WIDTH
        parts.append(f'<text x="0" y="{y + BAR_HEIGHT - 3}" font-size="11">'
                     f'{escape(_shorten(text))}</text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" '
                     f'height="{BAR_HEIGHT}" fill="#1d4ed8"/>')
        shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
        parts.append(f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + BAR_HEIGHT - 3}" '
                     f'font-size="10">{escape(shown + unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _shorten(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

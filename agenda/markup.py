"""The one place user-written Markdown becomes HTML: rendered, then sanitized with nh3.

Templates mark only this function's output as safe; raw user text is always escaped.
"""

import re

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a",
    "h3", "h4", "h5", "h6", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}

# A tag-like run: "<" then a letter, "/" or "!". "3 < 5" and "<3" are not markup.
_TAG = re.compile(r"<\s*[/!]?\s*[a-zA-Z][^>]*>|<!--")


def contains_markup(text: str | None) -> bool:
    """Whether ``text`` holds HTML tags; proposals are plain text or Markdown only."""
    return bool(text) and bool(_TAG.search(text))


def render_markdown(text: str | None) -> Markup:
    """Markdown to sanitized HTML; links open no window into the page and pass no ranking."""
    if not text:
        return Markup("")
    # Headings start at h3: the page already has h1 (the title) and h2 sections.
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    html = re.sub(r"<(/?)h[12]>", r"<\1h3>", html)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)  # noqa: S704 (sanitized by nh3 just above)

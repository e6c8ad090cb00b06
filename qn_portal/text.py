"""Markdown rendering, sanitised by an allow-list: the only way user text becomes HTML.

Python-Markdown passes raw HTML, ``javascript:`` links and event attributes through, so its output is
cleaned by nh3 (an allow-list sanitiser). Render at save time and store the HTML: rendering costs far
more than sanitising.
"""

from __future__ import annotations

import markdown as markdown_lib
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "del", "abbr", "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to safe HTML: headings start at h2 (the page owns h1), links get rel=noopener."""
    if not text:
        return Markup("")
    html = markdown_lib.markdown(
        text, extensions=["sane_lists", "tables", "fenced_code"], output_format="html",
        # Column alignment as an attribute: the sanitiser drops style attributes.
        extension_configs={"tables": {"use_align_attribute": True}},
    )
    # The page's own <h1> is its title: shift user headings one level down.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return Markup(sanitise_html(html))  # noqa: S704 (sanitised by an allow-list just above)


def sanitise_html(html: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


FORMULA_STARTS = ("=", "+", "-", "@")
# Characters a spreadsheet may skip before it looks for a formula sign (spaces, tabs, line breaks, the
# no-break and full-width spaces).
SKIPPED_BEFORE_FORMULA = " \t\r\n\x0b\x0c\u00a0\u3000"


def neutralise_csv_cell(value: object) -> str:
    """Make a value safe for a CSV cell that a spreadsheet will open (no formula injection).

    A text starting with ``=``, ``+``, ``-`` or ``@`` (OWASP's list), or with a tab or a line break, even
    after blanks (``" =1+1"``, ``"\\t=cmd"``), gets a leading apostrophe, which spreadsheets take as "this is
    text" and do not show. Everything is turned into text first (``None`` → ``""``): numbers that must stay
    numbers go through ``qn_portal.csv_export.csv_cell``, which lets real numeric values through.
    """
    text = "" if value is None else str(value)
    if text and (text[0] in "\t\r\n" or text.lstrip(SKIPPED_BEFORE_FORMULA).startswith(FORMULA_STARTS)):
        return "'" + text
    return text

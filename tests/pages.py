"""Pages as a browser renders them: headless Chromium's DOM of a written page, and the checks
that a page mailed to a customer manager is self-contained (no script, nothing fetched)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def browser_dom(path: Path) -> str:
    """The page's DOM after Chromium loaded and laid it out (--dump-dom)."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium fonts-noto-cjk)")
        pytest.skip("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", path.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


class Resources(HTMLParser):
    """Every tag, attribute and style text of a page: what could load something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes += [(k, v or "") for k, v in attrs]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False if tag == "style" else self._in_style

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def assert_self_contained(dom: str) -> None:
    """No script, no element that loads anything, no URL in an attribute or a style."""
    page = Resources()
    page.feed(dom)
    assert not page.tags & {"script", "img", "link", "iframe", "object", "embed", "video", "audio", "source"}
    assert not [(k, v) for k, v in page.attributes if k in ("src", "href", "srcset", "xlink:href", "action", "data")]
    assert not [v for _, v in page.attributes if re.search(r"(https?:|//|url\()", v)]
    assert not [s for s in page.styles if re.search(r"url\(|@import|https?:", s)]

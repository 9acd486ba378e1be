#!/usr/bin/env python3
"""Checks the internal links of a generated HTML tree (the API reference).

Usage: check_links.py HTML_DIR

Every href, src and (for SVG) xlink:href of every .html and .svg file under HTML_DIR that is
not an external URL (http:, https:, mailto:, data:, javascript:) must name a file inside
HTML_DIR, and its #fragment, if any, an id or a name in that file (an <a name>, an element id).
Broken links are printed as `page: link (why)`, sorted; the exit status is 1 when there is any,
0 otherwise, 2 for a usage error.
"""
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

EXTERNAL = ("http", "https", "mailto", "data", "javascript", "ftp", "file")
LINK_ATTRIBUTES = ("href", "src", "xlink:href")
# Files Doxygen copies verbatim, not generated from our sources: its logo refers to an id
# it does not define (Doxygen 1.9.4).
SHIPPED = {"doxygen.svg"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.anchors = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if value is None:
                continue
            if key in ("id", "name") and (key == "id" or tag == "a"):
                self.anchors.add(value)
            elif key in LINK_ATTRIBUTES and tag not in ("base",):
                self.links.append(value)

    handle_startendtag = handle_starttag


def parse(path, cache):
    if path not in cache:
        page = Page()
        try:
            page.feed(path.read_text(encoding="utf-8", errors="replace"))
        except Exception as error:  # a page that does not parse is itself a failure
            page.links, page.anchors = [], set()
            page.error = str(error)
        cache[path] = page
    return cache[path]


def main(argv):
    if len(argv) != 2 or not Path(argv[1]).is_dir():
        print("usage: check_links.py HTML_DIR", file=sys.stderr)
        return 2
    root = Path(argv[1]).resolve()
    cache = {}
    broken = set()
    checked = 0
    files = sorted(p for p in root.rglob("*")
                   if p.suffix in (".html", ".svg") and p.relative_to(root).as_posix() not in SHIPPED)
    for path in files:
        page = parse(path, cache)
        for link in page.links:
            link = link.strip()
            if not link or link.startswith("{{"):
                continue
            parts = urlsplit(link)
            if parts.scheme.lower() in EXTERNAL or parts.netloc:
                continue
            checked += 1
            rel = path.relative_to(root).as_posix()
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if root not in target.parents and target != root:
                broken.add((rel, link, "points outside the reference"))
                continue
            if not target.is_file():
                broken.add((rel, link, "no such file"))
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix in (".html", ".svg"):
                if fragment not in parse(target, cache).anchors:
                    broken.add((rel, link, f"no anchor '{fragment}' in {target.relative_to(root).as_posix()}"))
    for rel, link, why in sorted(broken):
        print(f"{rel}: {link} ({why})")
    if broken:
        print(f"check_links: {len(broken)} broken internal link(s) of {checked} in {len(files)} files",
              file=sys.stderr)
        return 1
    print(f"check_links: {checked} internal links in {len(files)} files, none broken", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

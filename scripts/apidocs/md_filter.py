#!/usr/bin/env python3
"""Doxygen input filter for the Markdown pages (README.md, BENCHMARKS.md, docs/*.md).

Usage (set by build_reference.py as FILTER_PATTERNS): md_filter.py SYMBOLS.json ROOT PAGE.md

The pages are written for GitHub; this rewrites, in the copy Doxygen reads only, what GitHub
and Doxygen do differently, so that the files themselves stay readable on GitHub:

- headings get an explicit label, `{#doc-<page>-<github slug>}` (the page title
  `{#doc-<page>}`), so that GitHub-style anchors have a target;
- links to another page (`allocator.md`, `../README.md#x`, `#x`) become `@ref` to those labels;
- links to other files of the repository (an SVG, a folder) become their text, with the path
  in code, since the reference has no copy of them; images keep their file name (IMAGE_PATH);
- inline code naming a public class, enum, constant or `Class::member` becomes a link to its
  reference page, shown in code font (names from SYMBOLS.json, written from a first Doxygen pass over the headers).

Fenced code blocks are left as they are (Doxygen links names in them itself).
"""
import json
import re
import sys
from pathlib import Path

IMAGE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".gif")


def page_id(path, root):
    """The label of the page made from `path`: doc-<stem>, doc-index for README.md."""
    rel = Path(path).resolve().relative_to(root)
    if rel.as_posix() == "README.md":
        return "index"
    return "doc-" + re.sub(r"[^a-z0-9]+", "-", rel.stem.lower()).strip("-")


def github_slug(heading):
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def label(page, slug):
    return f"{page}-{re.sub(r'[^A-Za-z0-9_-]', '-', slug)}" if page != "index" else f"index-{slug}"


class Filter:
    def __init__(self, symbols, root, path):
        self.root = root
        self.path = Path(path).resolve()
        self.page = page_id(self.path, root)
        self.classes = symbols["classes"]          # "Allocator" -> {"id": "vw::Allocator", "members": [...]}
        self.names = symbols["names"]              # "StagingBufferUsage" -> "vw::StagingBufferUsage"

    def target(self, href):
        """The `@ref` label for a link to a page, or None when `href` is not a page."""
        if re.match(r"^[a-z]+:", href):
            return None
        file, _, anchor = href.partition("#")
        if not file:
            return label(self.page, anchor) if anchor else None
        if not file.endswith(".md"):
            return None
        dest = (self.path.parent / file).resolve()
        try:
            page = page_id(dest, self.root)
        except ValueError:
            return None
        return label(page, anchor) if anchor else page

    def link(self, match):
        bang, text, href = match.group(1), match.group(2), match.group(3)
        if bang:
            if re.match(r"^[a-z]+:", href):
                return match.group(0)
            return f"![{text}]({Path(href).name})"
        ref = self.target(href)
        if ref is not None:
            return f"[{text}](@ref {ref})"
        if re.match(r"^[a-z]+:", href):
            return match.group(0)
        # Another file of the repository: the reference has no copy of it.
        return f"{text} (`{href}` in the repository)"

    def code(self, match, line):
        content = match.group(4)
        if line[:match.start()].count('"') % 2:
            return match.group(0)  # inside a "quoted string": Doxygen leaves Markdown alone there
        m = re.fullmatch(r"(?:vw::)?([A-Z]\w*)(?:<[^`]*>)?(?:::(~?\w+))?(\(.*\))?", content)
        if not m:
            return match.group(0)
        name, member = m.group(1), m.group(2)
        if '"' in content:
            return match.group(0)
        if name in self.classes:
            cls = self.classes[name]
            target = f"{cls['id']}::{member}" if member and member in cls["members"] else cls["id"]
        elif name in self.names:  # with a member, an enum value: its enum's entry
            target = self.names[name]
        else:
            return match.group(0)
        # Doxygen 1.9.4 shows Markdown link text verbatim (backticks, tags): a \ref with its
        # text, in <code>, is what renders as linked code.
        return f'<code>@ref {target} "{content}"</code>'


    def line(self, text):
        # Left to right, whichever starts first: a link (its text may hold code, left as it is)
        # or a code span (a link written inside one is code, not a link).
        token = re.compile(r"(!?)\[((?:[^\]\\]|\\.)*)\]\(([^)\s]*)\)|(?<!`)`([^`\n]+)`(?!`)")
        out, pos = [], 0
        for m in token.finditer(text):
            out.append(text[pos:m.start()])
            out.append(self.link(m) if m.group(4) is None else self.code(m, text))
            pos = m.end()
        out.append(text[pos:])
        return "".join(out)

    def run(self, text):
        out = []
        fence = None
        seen = {}
        first_heading = True
        for raw in text.split("\n"):
            stripped = raw.lstrip()
            if fence:
                out.append(raw)
                if stripped.startswith(fence):
                    fence = None
                continue
            m = re.match(r"^(`{3,}|~{3,})", stripped)
            if m:
                fence = m.group(1)
                out.append(raw)
                continue
            h = re.match(r"^(#{1,6})\s+(.*?)\s*$", raw)
            if h:
                title = h.group(2)
                if first_heading:
                    first_heading = False
                    out.append(raw if self.page == "index" else f"{raw} {{#{self.page}}}")
                    continue
                slug = github_slug(title)
                count = seen.get(slug, 0)
                seen[slug] = count + 1
                if count:
                    slug = f"{slug}-{count}"
                out.append(f"{raw} {{#{label(self.page, slug)}}}")
                continue
            out.append(self.line(raw))
        return "\n".join(out)


def main(argv):
    if len(argv) != 4:
        print("usage: md_filter.py SYMBOLS.json ROOT PAGE.md", file=sys.stderr)
        return 2
    symbols = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    root = Path(argv[2]).resolve()
    text = Path(argv[3]).read_text(encoding="utf-8")
    sys.stdout.write(Filter(symbols, root, argv[3]).run(text))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

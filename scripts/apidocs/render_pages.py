#!/usr/bin/env python3
"""Loads pages of the generated API reference in headless Chromium and checks that they render.

Usage: render_pages.py HTML_DIR SCREENSHOT.png [--chromium PATH]

For the front page, vw::Allocator and vw::Buffer, Chromium (Debian's `chromium`) loads the
page from disk, runs its scripts (virtual time, no waiting on the clock) and dumps the DOM. A
page passes when its title is the expected one, its scripts ran (jQuery built the main menu, the
navigation tree was filled in from navtreedata.js), a class page lists its members, and Chromium
logged no JavaScript error or failed resource load. The vw::Allocator page is then captured to
SCREENSHOT.png (1280 px wide). Each failure is printed as `page: what is wrong`; the exit status
is 1 when there is any.
"""
import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PAGES = [
    # file, text its title must hold, whether it is a class page
    ("index.html", "VulkanWrapper", False),
    ("classvw_1_1Allocator.html", "vw::Allocator Class Reference", True),
    ("classvw_1_1Buffer.html", "vw::Buffer&lt; T, HostVisible, Usage, Access &gt; Class Template Reference", True),
]
SCREENSHOT_PAGE = "classvw_1_1Allocator.html"
CONSOLE_ERROR = re.compile(r"CONSOLE.*(Uncaught|Error|Failed to load|net::ERR_)", re.IGNORECASE)


def chromium_command(chromium, profile, *extra):
    return [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile}",
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
            "--allow-file-access-from-files", *extra]


def run(command):
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          errors="replace", timeout=120)


def check_page(dom, title, is_class):
    problems = []
    found = re.search(r'<div class="title">(.*?)</div>', dom, re.S)
    if not found or title not in found.group(1):
        problems.append(f"title is {found.group(1).strip()!r}, not {title!r}" if found
                        else "no page title (the page did not load)")
    menu = re.search(r'<ul[^>]*id="main-menu"[^>]*>(.*?)</ul>', dom, re.S)
    if not menu or menu.group(1).count("<li") < 3:
        problems.append("the main menu is missing (menu.js or jQuery did not run)")
    tree = dom.partition('id="nav-tree-contents"')[2]
    if 'href="index.html"' not in tree[:5000]:
        problems.append("the navigation tree is empty (navtree.js or navtreedata.js did not load)")
    if is_class and 'class="memItemRight"' not in dom:
        problems.append("no member listed")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("screenshot", type=Path)
    parser.add_argument("--chromium", default="chromium")
    args = parser.parse_args()
    chromium = shutil.which(args.chromium)
    if chromium is None:
        print(f"render_pages: '{args.chromium}' not found: install Debian's chromium "
              "(scripts/setup-deps.sh --docs)", file=sys.stderr)
        return 1
    html = args.html.resolve()
    failures = []
    with tempfile.TemporaryDirectory(prefix="vw-chromium-") as profile:
        for page, title, is_class in PAGES:
            path = html / page
            if not path.is_file():
                failures.append(f"{page}: not generated")
                continue
            result = run(chromium_command(chromium, profile, "--dump-dom", path.as_uri()))
            problems = [] if result.returncode == 0 else [f"chromium exited {result.returncode}"]
            problems += check_page(result.stdout, title, is_class)
            problems += [f"console: {line.strip()}" for line in result.stderr.splitlines()
                         if CONSOLE_ERROR.search(line)]
            failures += [f"{page}: {problem}" for problem in problems]
            print(f"render_pages: {page}: {'loaded' if not problems else 'FAILED'}", file=sys.stderr)
        shot = args.screenshot.resolve()
        shot.parent.mkdir(parents=True, exist_ok=True)
        shot.unlink(missing_ok=True)
        result = run(chromium_command(chromium, profile, f"--screenshot={shot}",
                                      "--window-size=1280,1600", (html / SCREENSHOT_PAGE).as_uri()))
        if result.returncode != 0 or not shot.is_file() or shot.stat().st_size < 10000:
            failures.append(f"{SCREENSHOT_PAGE}: no screenshot ({result.stderr.strip()[-300:]})")
        else:
            print(f"render_pages: screenshot of {SCREENSHOT_PAGE}: {shot}", file=sys.stderr)
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

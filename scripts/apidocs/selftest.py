#!/usr/bin/env python3
"""Proves that the API reference checks fail when they should (the test
ApiReference.ChecksRejectWhatIsMissing runs this).

Usage: selftest.py --source ROOT [--doxygen PATH]

In a scratch tree holding a copy of cmake/Doxyfile.in, a header with one of each mistake and a
front page with broken links, build_reference.py must exit 1 and name each mistake by
file:line. check_links.py must fail on a missing file and a missing anchor and pass a clean
tree; md_filter.py must turn GitHub anchors and links into Doxygen labels and references.
Prints what failed; exit status 1 when anything did.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = """#pragma once

/// The test namespace.
namespace vw {

/// A documented class.
class Widget {
public:
    /// Documented.
    void documented();
    void undocumented_function(int count);
    /// A wrongly named parameter.
    /// @param cuont the count.
    void wrong_param(int count);
    ~Widget();
};

/// A class template whose parameter is not described.
template <typename Element>
class Holder {
public:
    /// Documented.
    void get();
};

/// An enumeration with an undocumented value.
enum class Mode {
    /// Documented.
    First,
    Second,
};

inline constexpr int UndocumentedConstant = 1;

} // namespace vw
"""

FRONT_PAGE = """# Test

[A page that does not exist](docs/missing.md) and [an anchor that does not](#nowhere).
"""

# (file:line, words the message must hold)
EXPECTED = [
    ("include/VulkanWrapper/Bad/Bad.h:11", "undocumented_function"),
    ("include/VulkanWrapper/Bad/Bad.h:14", "cuont"),
    ("include/VulkanWrapper/Bad/Bad.h:15", "~Widget"),
    ("include/VulkanWrapper/Bad/Bad.h:20", "'Element'"),
    ("include/VulkanWrapper/Bad/Bad.h:27", "Second"),
    ("include/VulkanWrapper/Bad/Bad.h:33", "UndocumentedConstant"),
    ("README.md:3", "doc-missing"),
    ("README.md:3", "index-nowhere"),
]


def check_reference(source, doxygen, scratch, failures):
    root = scratch / "tree"
    (root / "cmake").mkdir(parents=True)
    (root / "cmake" / "Doxyfile.in").write_text((source / "cmake" / "Doxyfile.in").read_text())
    (root / "include" / "VulkanWrapper" / "Bad").mkdir(parents=True)
    (root / "include" / "VulkanWrapper" / "Bad" / "Bad.h").write_text(HEADER)
    (root / "README.md").write_text(FRONT_PAGE)
    result = subprocess.run([sys.executable, str(HERE / "build_reference.py"), "--source", str(root),
                             "--output", str(scratch / "out"), "--doxygen", doxygen],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 1:
        failures.append(f"build_reference.py exited {result.returncode} on the broken tree, not 1")
    lines = result.stdout.splitlines()
    for where, words in EXPECTED:
        if not any(line.startswith(where + ":") and words in line for line in lines):
            failures.append(f"no message at {where} about {words}")
    if failures:
        failures.append("build_reference.py said:\n" + result.stdout)


def check_links(scratch, failures):
    html = scratch / "html"
    html.mkdir()
    (html / "a.html").write_text('<a href="b.html">b</a> <a href="c.html#there">c</a> '
                                 '<a href="https://example.com/x">ext</a> <img src="logo.png">')
    (html / "c.html").write_text('<h1 id="here">c</h1><a href="a.html">a</a><a href="#here">top</a>')
    result = subprocess.run([sys.executable, str(HERE / "check_links.py"), str(html)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for words in ("a.html: b.html (no such file)", "a.html: c.html#there (no anchor 'there'",
                  "a.html: logo.png (no such file)"):
        if words not in result.stdout:
            failures.append(f"check_links.py did not report {words!r}: {result.stdout}")
    if result.returncode != 1:
        failures.append(f"check_links.py exited {result.returncode} on broken links, not 1")
    (html / "a.html").write_text('<a href="c.html#here">c</a>')
    result = subprocess.run([sys.executable, str(HERE / "check_links.py"), str(html)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        failures.append(f"check_links.py failed a clean tree: {result.stdout}")


def check_filter(scratch, failures):
    root = scratch / "filter"
    (root / "docs").mkdir(parents=True)
    page = root / "docs" / "buffers.md"
    page.write_text("# Buffers\n\n## Host access: `Random`\n\nSee [that](#host-access-random), "
                    "[errors](errors.md#what-is-thrown), [the front page](../README.md), "
                    "[a chart](../charts/x.svg), `Allocator`, `Allocator::allocate()`, "
                    "`vw::StagingBufferUsage`, `unknown`, `[in code](errors.md)`.\n\n```cpp\n# not a heading `Allocator`\n```\n")
    symbols = scratch / "symbols.json"
    symbols.write_text(json.dumps({"classes": {"Allocator": {"id": "vw::Allocator", "members": ["allocate"]}},
                                   "names": {"StagingBufferUsage": "vw::StagingBufferUsage"}}))
    result = subprocess.run([sys.executable, str(HERE / "md_filter.py"), str(symbols), str(root), str(page)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for expected in ("# Buffers {#doc-buffers}", "## Host access: `Random` {#doc-buffers-host-access-random}",
                     "[that](@ref doc-buffers-host-access-random)", "[errors](@ref doc-errors-what-is-thrown)",
                     "[the front page](@ref index)", "a chart (`../charts/x.svg` in the repository)",
                     '<code>@ref vw::Allocator "Allocator"</code>',
                     '<code>@ref vw::Allocator::allocate "Allocator::allocate()"</code>',
                     '<code>@ref vw::StagingBufferUsage "vw::StagingBufferUsage"</code>', " `unknown`",
                     "`[in code](errors.md)`",
                     "# not a heading `Allocator`\n"):
        if expected not in result.stdout:
            failures.append(f"md_filter.py output lacks {expected!r}:\n{result.stdout}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, type=Path)
    parser.add_argument("--doxygen", default="doxygen")
    args = parser.parse_args()
    failures = []
    with tempfile.TemporaryDirectory(prefix="vw-apidocs-") as scratch:
        scratch = Path(scratch)
        check_reference(args.source.resolve(), args.doxygen, scratch, failures)
        check_links(scratch, failures)
        check_filter(scratch, failures)
    for failure in failures:
        print(f"selftest: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

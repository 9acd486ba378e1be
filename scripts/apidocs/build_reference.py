#!/usr/bin/env python3
"""Builds the HTML API reference and checks it (the `docs` CMake target runs this).

Usage: build_reference.py --source ROOT --output DIR [--doxygen PATH] [--version X.Y.Z]

1. A first Doxygen pass over include/VulkanWrapper, XML only, lists the public names
   (DIR/symbols.json) for md_filter.py, which links the pages' inline code to them.
2. The real pass (cmake/Doxyfile.in) over the headers, README.md, BENCHMARKS.md and docs/*.md
   writes DIR/html and DIR/xml with WARN_AS_ERROR: an undocumented member, a wrong @param or
   @tparam name, a broken \\ref or page link fails it. Warnings are printed as file:line.
3. check_api_docs.py fails when a public class, function, enum value or template parameter has
   no comment (what Doxygen does not warn about: namespace-scope names, destructors, @tparam).
4. check_links.py fails on a broken link or anchor inside DIR/html.

Exit status 0 when all of them pass, 1 otherwise. Nothing is written outside DIR.
"""
import argparse
import json
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent


def say(message):
    print(f"build_reference: {message}", file=sys.stderr, flush=True)


def doxyfile(template, values, overrides=()):
    text = template
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text + "\n" + "\n".join(overrides) + "\n"


def run_doxygen(doxygen, config, cwd):
    return subprocess.run([doxygen, "-"], input=config, text=True, cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def symbols(xml_dir):
    """Public names of namespace vw: classes with their members, and namespace-scope names."""
    classes, names = {}, {}
    for path in sorted(xml_dir.glob("*.xml")):
        if path.name in ("index.xml", "Doxyfile.xml"):
            continue
        for compound in ET.parse(path).getroot().findall("compounddef"):
            kind = compound.get("kind")
            qualified = "".join(compound.find("compoundname").itertext())
            members = []
            for member in compound.iter("memberdef"):
                if member.get("prot") == "private":
                    continue
                name = "".join(member.find("name").itertext())
                members.append(name)
                if kind == "namespace" and qualified == "vw":
                    names[name] = f"vw::{name}"
            if kind in ("class", "struct") and qualified.count("::") == 1 and qualified.startswith("vw::"):
                classes[qualified[4:]] = {"id": qualified, "members": sorted(set(members))}
    return {"classes": classes, "names": names}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, type=Path)
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--doxygen", default="doxygen")
    parser.add_argument("--version", default="")
    args = parser.parse_args()
    root = args.source.resolve()
    out = args.output.resolve()
    doxygen = shutil.which(args.doxygen)
    if doxygen is None:
        say(f"'{args.doxygen}' not found: install doxygen and graphviz (scripts/setup-deps.sh --docs)")
        return 1
    if shutil.which("dot") is None:
        say("graphviz's 'dot' not found: install graphviz (scripts/setup-deps.sh --docs)")
        return 1

    for stale in ("html", "xml", "symbols-xml"):
        shutil.rmtree(out / stale, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    template = (root / "cmake" / "Doxyfile.in").read_text(encoding="utf-8")
    pages = [p for p in (root / "README.md", root / "BENCHMARKS.md") if p.is_file()]
    pages += sorted((root / "docs").glob("*.md"))
    # Doxygen runs `<filter> <file>` from `out`; a script there keeps paths with spaces working.
    wrapper = out / "md-filter.sh"
    wrapper.write_text("#!/bin/sh\nexec " + " ".join(
        shlex.quote(str(a)) for a in (sys.executable, HERE / "md_filter.py", out / "symbols.json", root))
        + ' "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    values = {
        "PROJECT_VERSION": args.version,
        "PROJECT_SOURCE_DIR": str(root),
        "VW_DOCS_OUTPUT": str(out),
        "VW_DOCS_INPUT": " ".join(f'"{p}"' for p in [root / "include" / "VulkanWrapper", *pages]),
    }

    # 1. Names for the pages' links.
    first = doxyfile(template, values, [
        f'INPUT = "{root / "include" / "VulkanWrapper"}"', "GENERATE_HTML = NO",
        "XML_OUTPUT = symbols-xml", "WARN_AS_ERROR = NO", "WARNINGS = NO",
        "WARN_IF_UNDOCUMENTED = NO", "WARN_LOGFILE =", "HAVE_DOT = NO",
        "USE_MDFILE_AS_MAINPAGE =", "IMAGE_PATH ="])
    result = run_doxygen(doxygen, first, out)
    if result.returncode != 0:
        sys.stderr.write(result.stdout)
        say("the first Doxygen pass (headers, XML only) failed")
        return 1
    (out / "symbols.json").write_text(json.dumps(symbols(out / "symbols-xml"), indent=1),
                                      encoding="utf-8")
    shutil.rmtree(out / "symbols-xml", ignore_errors=True)

    images = [d for d in (root / "docs" / "images", root / "benchmarks" / "charts") if d.is_dir()]
    image_path = "IMAGE_PATH = " + " ".join(f'"{d}"' for d in images)

    # 2. The reference.
    log = out / "doxygen-warnings.log"
    log.unlink(missing_ok=True)
    (out / "Doxyfile").write_text(doxyfile(template, values, [image_path]), encoding="utf-8")
    result = run_doxygen(doxygen, (out / "Doxyfile").read_text(encoding="utf-8"), out)
    sys.stderr.write(result.stdout)
    warnings = log.read_text(encoding="utf-8", errors="replace").strip() if log.exists() else ""
    failed = False
    if warnings:
        # Doxygen repeats some warnings (once per output pass): print each once, in order.
        entries = []
        for line in warnings.replace(str(root) + "/", "").splitlines():
            if entries and line[:1].isspace():
                entries[-1] += "\n" + line
            else:
                entries.append(line)
        entries = list(dict.fromkeys(entries))
        print("\n".join(entries), file=sys.stderr)
        count = len(entries)
        say(f"Doxygen reported {count} warning(s) above (warnings are "
            "errors: document the entity named, fix the @param/@tparam name or the reference)")
        failed = True
    elif result.returncode != 0:
        say(f"Doxygen failed (exit {result.returncode})")
        failed = True
    if not (out / "html" / "index.html").exists():
        say("Doxygen wrote no html/index.html")
        return 1

    # 3. and 4.
    for check in (["check_api_docs.py", str(out / "xml")], ["check_links.py", str(out / "html")]):
        if subprocess.run([sys.executable, str(HERE / check[0]), *check[1:]]).returncode != 0:
            failed = True
    if failed:
        return 1
    say(f"API reference: {out / 'html' / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

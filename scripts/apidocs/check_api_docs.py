#!/usr/bin/env python3
"""Checks that the public API in include/VulkanWrapper is documented, from Doxygen's XML output.

Usage: check_api_docs.py <doxygen xml dir>

Every public (or protected) class, struct, union, enum, enum value, typedef, variable and
function declared in a public header needs a doc comment (brief or detailed); every template
parameter of a class or function template needs an `@tparam` naming it, and every `@param` /
`@tparam` must name a parameter that exists. Deleted functions are not part of the API and are
skipped; so is namespace `detail`. Each problem is printed as `file:line: what is missing`,
sorted, and the exit status is 1 when there is any (0 otherwise, 2 for a usage error).
"""
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

PUBLIC_HEADERS = "include/VulkanWrapper/"
SKIPPED_NAMESPACES = ("detail",)


def text(element):
    return "".join(element.itertext()).strip() if element is not None else ""


def documented(element):
    return bool(text(element.find("briefdescription")) or text(element.find("detaileddescription")))


def location(element):
    loc = element.find("location")
    if loc is None:
        return None, 0
    return loc.get("file", ""), int(loc.get("line", "0") or 0)


def template_params(element):
    """Names of the template parameters of a class or function template."""
    names = []
    tpl = element.find("templateparamlist")
    if tpl is None:
        return names
    for param in tpl.findall("param"):
        name = text(param.find("declname"))
        if not name:
            # `typename Handle` without a separate declname; `typename...` alone is unnamed.
            words = re.sub(r"\.\.\.", " ", text(param.find("type"))).split()
            if len(words) >= 2 and words[0] in ("typename", "class"):
                name = words[-1]
            elif len(words) >= 2 and not words[-1].endswith(">"):
                name = words[-1]  # non-type parameter: `bool HostVisible`
        if name:
            names.append(name)
    return names


def documented_params(element, kind):
    names = set()
    detail = element.find("detaileddescription")
    if detail is None:
        return names
    for plist in detail.iter("parameterlist"):
        if plist.get("kind") != kind:
            continue
        for pname in plist.iter("parametername"):
            names.add(text(pname))
    return names


def function_params(member):
    names = []
    for param in member.findall("param"):
        name = text(param.find("declname"))
        if name:
            names.append(name)
    return names


def skipped(qualified_name):
    parts = qualified_name.split("::")
    return any(part in SKIPPED_NAMESPACES for part in parts[:-1]) or (
        parts and parts[-1] in SKIPPED_NAMESPACES)


def main(argv):
    if len(argv) != 2 or not Path(argv[1], "index.xml").is_file():
        print("usage: check_api_docs.py <doxygen xml dir (holding index.xml)>", file=sys.stderr)
        return 2
    xml_dir = Path(argv[1])
    problems = set()

    def report(element, what):
        file, line = location(element)
        if file and PUBLIC_HEADERS in file:
            file = file[file.index(PUBLIC_HEADERS):]
            problems.add((file, line, what))

    def check_templates(element, label):
        declared = template_params(element)
        described = documented_params(element, "templateparam")
        for name in declared:
            if name not in described:
                report(element, f"template parameter '{name}' of {label} has no @tparam")
        for name in sorted(described - set(declared)):
            report(element, f"@tparam '{name}' of {label} names no template parameter")

    for path in sorted(xml_dir.glob("*.xml")):
        if path.name in ("index.xml", "Doxyfile.xml") or path.name.endswith("_8md.xml"):
            continue
        root = ET.parse(path).getroot()
        for compound in root.findall("compounddef"):
            kind = compound.get("kind")
            name = text(compound.find("compoundname"))
            if kind in ("class", "struct", "union"):
                if compound.get("prot", "public") == "private" or skipped(name):
                    continue
                if not documented(compound):
                    report(compound, f"{kind} {name} has no doc comment")
                check_templates(compound, f"{kind} {name}")
            elif kind not in ("namespace", "file"):
                continue
            if kind == "namespace" and skipped(name):
                continue
            for section in compound.findall("sectiondef"):
                for member in section.findall("memberdef"):
                    if member.get("prot") == "private":
                        continue
                    mkind = member.get("kind")
                    mname = text(member.find("qualifiedname")) or text(member.find("name"))
                    if skipped(mname) or mkind in ("friend", "define"):
                        continue
                    args = text(member.find("argsstring")).replace(" ", "")
                    if mkind == "function" and "=delete" in args:
                        continue
                    if kind == "file" and mkind == "function":
                        pass  # a free function outside any namespace: checked like the others
                    label = f"{mkind} {mname}{text(member.find('argsstring')) if mkind == 'function' else ''}"
                    if not documented(member):
                        report(member, f"{label} has no doc comment")
                    if mkind == "function":
                        check_templates(member, label)
                        declared = set(function_params(member))
                        for pname in sorted(documented_params(member, "param") - declared):
                            report(member, f"@param '{pname}' of {label} names no parameter")
                    if mkind == "enum":
                        for value in member.findall("enumvalue"):
                            if not documented(value):
                                report(member, f"enum value {mname}::{text(value.find('name'))} has no doc comment")

    for file, line, what in sorted(problems):
        print(f"{file}:{line}: {what}")
    if problems:
        print(f"check_api_docs: {len(problems)} undocumented or misdocumented public entities "
              "(add a /// comment above each; template parameters need @tparam)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

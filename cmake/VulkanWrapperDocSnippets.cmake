# Every ```cpp block of docs/*.md becomes a GoogleTest test of vw-tests, generated at build time,
# so that the documentation cannot drift from the library: a snippet that stops compiling breaks
# the build, one that throws or trips the validation layer fails its test.
#
# Included from tests/CMakeLists.txt, this file defines vw_add_doc_snippets(<target>). Run as a
# script (cmake -DPAGE=<page.md> -DOUTPUT=<file.cpp> -DNAME=<page name> -P <this file>) it
# generates the translation unit of one page. The conventions a page follows (the names its
# snippets may use, the markers for snippets that are not function bodies) are described in
# tests/Docs/DocSnippetPreamble.h.

if(NOT CMAKE_SCRIPT_MODE_FILE)
    # ---- Build side -----------------------------------------------------------------------------
    set(VW_DOC_SNIPPETS_SCRIPT "${CMAKE_CURRENT_LIST_FILE}")

    function(vw_add_doc_snippets target)
        # CONFIGURE_DEPENDS: a new page is picked up by the next build, without re-running cmake.
        file(GLOB pages CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/docs/*.md")
        foreach(page IN LISTS pages)
            get_filename_component(name "${page}" NAME_WE)
            set(output "${CMAKE_CURRENT_BINARY_DIR}/doc_snippets/${name}_md.cpp")
            add_custom_command(OUTPUT "${output}"
                COMMAND "${CMAKE_COMMAND}" "-DPAGE=${page}" "-DOUTPUT=${output}" "-DNAME=${name}"
                        -P "${VW_DOC_SNIPPETS_SCRIPT}"
                DEPENDS "${page}" "${VW_DOC_SNIPPETS_SCRIPT}"
                COMMENT "C++ snippets of docs/${name}.md"
                VERBATIM)
            target_sources(${target} PRIVATE "${output}")
        endforeach()
    endfunction()
    return()
endif()

# ---- Script side: one page -> one translation unit --------------------------------------------

foreach(variable PAGE OUTPUT NAME)
    if(NOT DEFINED ${variable})
        message(FATAL_ERROR "VulkanWrapperDocSnippets.cmake: -D${variable}=... is required")
    endif()
endforeach()

file(READ "${PAGE}" text)
string(REPLACE "\r" "" text "${text}")
if(NOT text MATCHES "\n$")
    string(APPEND text "\n")
endif()

# A C++-looking fence that is not spelled ```cpp would silently escape compilation: refuse it.
set(cpp_aliases "c\\+\\+|cxx|cc|hpp|h|C\\+\\+|CPP|Cpp")

# Test suite name: "docs/getting-started.md" -> DocsGettingStartedMd.
string(REGEX REPLACE "[^A-Za-z0-9]+" ";" words "${NAME}")
set(suite "Docs")
foreach(word IN LISTS words)
    string(SUBSTRING "${word}" 0 1 first)
    string(SUBSTRING "${word}" 1 -1 others)
    string(TOUPPER "${first}" first)
    string(APPEND suite "${first}${others}")
endforeach()
string(APPEND suite "Md")

set(includes "")       # hoisted #include lines, in order of appearance
set(body "")           # everything after the includes
set(count 0)           # ```cpp blocks on the page
set(line_number 0)
set(inside FALSE)
set(marker "")         # <!-- snippet: ... --> seen on the line before a fence
set(previous_marker "")
set(snippet "")
set(rest "${text}")

# Appends one snippet, opened at line `start`, in mode `mode`, to `body`.
function(emit_snippet mode start end code)
    set(out "${body}")
    # #include lines go to the top of the file (a header inside a function body would not
    # compile); the line stays, as a comment, so that line numbers still match the page.
    string(REGEX MATCHALL "(^|\n)[ \t]*#[ \t]*include[ \t]*[<\"][^\n]*" found "${code}")
    foreach(include IN LISTS found)
        string(STRIP "${include}" include)
        list(FIND includes "${include}" known)
        if(known EQUAL -1)
            list(APPEND includes "${include}")
        endif()
    endforeach()
    string(REGEX REPLACE "(^|\n)([ \t]*)#[ \t]*include" "\\1\\2// (hoisted) include" code "${code}")
    math(EXPR first "${start} + 1")
    # Code of the snippet reports the page's lines; the wrapper code around it the closing fence.
    set(open_line "#line ${first} \"${PAGE}\"\n")
    set(close_line "#line ${end} \"${PAGE}\"\n")
    if(mode STREQUAL "toplevel")
        string(APPEND out "${open_line}${code}${close_line}")
    elseif(mode STREQUAL "program")
        string(APPEND out
            "namespace program_line_${start} {\n${open_line}${code}${close_line}"
            "} // namespace program_line_${start}\n"
            "TEST_F(${suite}, Line${start}) {\n"
            "    EXPECT_EQ(program_line_${start}::main(), 0) << \"the program on line ${start} of docs/${NAME}.md failed\";\n"
            "    finish_snippet();\n"
            "}\n")
    elseif(mode STREQUAL "run")
        string(APPEND out "TEST_F(${suite}, Line${start}) {\n    {\n${open_line}${code}${close_line}"
                          "    }\n    finish_snippet();\n}\n")
    elseif(mode STREQUAL "norun")
        # Compiled with the same names in scope, never run (a class gtest never instantiates).
        string(APPEND out "class ${suite}NotRunLine${start} : public vw::doc::SnippetTest {\n"
                          "    void TestBody() override {\n${open_line}${code}${close_line}"
                          "    }\n};\n")
    else()
        message(FATAL_ERROR "${PAGE}:${start}: unknown snippet marker '${mode}' (toplevel, program, norun)")
    endif()
    set(body "${out}" PARENT_SCOPE)
    set(includes "${includes}" PARENT_SCOPE)
endfunction()

while(NOT rest STREQUAL "")
    string(FIND "${rest}" "\n" newline)
    string(SUBSTRING "${rest}" 0 ${newline} line)
    math(EXPR after "${newline} + 1")
    string(SUBSTRING "${rest}" ${after} -1 rest)
    math(EXPR line_number "${line_number} + 1")

    if(NOT inside)
        if(line MATCHES "^[ \t]*```cpp[ \t]*$")
            set(inside TRUE)
            set(snippet "")
            set(start ${line_number})
            set(mode "run")
            if(NOT previous_marker STREQUAL "")
                set(mode "${previous_marker}")
            endif()
            math(EXPR count "${count} + 1")
        elseif(line MATCHES "^[ \t]*```(${cpp_aliases})([ \t]|$)")
            message(FATAL_ERROR "${PAGE}:${line_number}: spell C++ fences ```cpp so that the snippet is compiled and run by vw-tests")
        endif()
        if(line MATCHES "^[ \t]*<!--[ \t]*snippet:[ \t]*([a-z-]+)[ \t]*-->[ \t]*$")
            set(previous_marker "${CMAKE_MATCH_1}")
        elseif(NOT line MATCHES "^[ \t]*```cpp")
            set(previous_marker "")
        endif()
    else()
        if(line MATCHES "^[ \t]*```[ \t]*$")
            set(inside FALSE)
            set(previous_marker "")
            emit_snippet("${mode}" ${start} ${line_number} "${snippet}")
        else()
            string(APPEND snippet "${line}\n")
        endif()
    endif()
endwhile()
if(inside)
    message(FATAL_ERROR "${PAGE}:${start}: the ```cpp block is never closed")
endif()

set(out "// Generated from ${PAGE} by cmake/VulkanWrapperDocSnippets.cmake at build time. Do not edit:\n")
string(APPEND out "// edit the page. Each ```cpp block is one test (see tests/Docs/DocSnippetPreamble.h).\n")
string(APPEND out "#include \"Docs/DocSnippetPreamble.h\"\n")
foreach(include IN LISTS includes)
    string(APPEND out "${include}\n")
endforeach()
string(APPEND out "
#if defined(__clang__)
#pragma clang diagnostic ignored \"-Wunknown-warning-option\"
#endif
#if defined(__GNUC__)
#pragma GCC diagnostic ignored \"-Wshadow\"
#pragma GCC diagnostic ignored \"-Wunused-variable\"
#pragma GCC diagnostic ignored \"-Wunused-but-set-variable\"
#pragma GCC diagnostic ignored \"-Wunused-local-typedefs\"
#pragma GCC diagnostic ignored \"-Wunused-function\"
#endif

using namespace vw;
using namespace vw::doc;

namespace {

class ${suite} : public vw::doc::SnippetTest {};

// The page's ```cpp blocks, counted when this file was generated; DocsSnippetsTests compares
// the number with the page as it is when the tests run.
const bool registered = vw::doc::register_page(\"${NAME}.md\", ${count});

${body}
} // namespace
")

# Write only when changed, so that an edit elsewhere on the page does not rebuild more than needed.
set(old "")
if(EXISTS "${OUTPUT}")
    file(READ "${OUTPUT}" old)
endif()
if(NOT old STREQUAL out)
    file(WRITE "${OUTPUT}" "${out}")
endif()

#include "Support/SvgCheck.h"

#include <expat.h>

namespace vw::test {

SvgContents parse_svg(const std::string &svg) {
    SvgContents contents;
    XML_Parser parser = XML_ParserCreate("UTF-8");
    XML_SetUserData(parser, &contents);
    XML_SetStartElementHandler(parser, [](void *data, const XML_Char *name, const XML_Char **attributes) {
        auto &out = *static_cast<SvgContents *>(data);
        const std::string element(name);
        if (out.root_element.empty()) out.root_element = element;
        if (element == "text") ++out.texts;
        if (element != "rect") return;
        std::map<std::string, std::string> values;
        for (int i = 0; attributes[i] != nullptr; i += 2) values[attributes[i]] = attributes[i + 1];
        if (values["class"].starts_with("allocation ")) out.allocation_rects.push_back(values);
    });
    contents.well_formed = XML_Parse(parser, svg.data(), static_cast<int>(svg.size()), 1) ==
                           XML_STATUS_OK;
    if (!contents.well_formed) {
        contents.error = std::string(XML_ErrorString(XML_GetErrorCode(parser))) + " at line " +
                         std::to_string(XML_GetCurrentLineNumber(parser));
    }
    XML_ParserFree(parser);
    return contents;
}

} // namespace vw::test

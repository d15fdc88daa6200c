// Static files of the pages, embedded in the binary: nothing is fetched from elsewhere.
#pragma once

#include <string_view>

namespace privet::web {

// The privacy center's stylesheet (/privacy-center/assets/center.css).
std::string_view CenterCss();
// Its icon (/privacy-center/assets/icon.svg): a shield.
std::string_view CenterIcon();
// The consent banner's script (/privet-consent.js), from src/web/privet-consent.js.
std::string_view ConsentScript();

}  // namespace privet::web

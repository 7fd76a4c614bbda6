// The operations console's static files (gateway/console/: the page, its style sheet and its
// script), embedded in the binary at build time (cmake/embed_console.cmake) and served at `/`
// of the admin listener: no build step, nothing fetched from outside.
#pragma once

#include <span>
#include <string_view>

namespace flowgate {

struct ConsoleAsset {
  std::string_view path;         // "/", "/console.js", "/console.css"
  std::string_view contentType;  // with its charset
  std::string_view body;
};

std::span<const ConsoleAsset> consoleAssets();

}  // namespace flowgate

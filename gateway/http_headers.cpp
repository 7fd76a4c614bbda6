#include "gateway/http_headers.hpp"

#include <array>

#include <algorithm>

#include "gateway/ascii.hpp"

namespace flowgate {

namespace {

// RFC 9110 5.6.2 tchar: ALPHA, DIGIT and !#$%&'*+-.^_`|~ (a table: checked for every header
// of every upstream request).
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = table[c - 'a' + 'A'] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~"))
    table[static_cast<unsigned char>(c)] = true;
  return table;
}();

}  // namespace

bool isHeaderToken(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return kTokenChars[static_cast<unsigned char>(c)]; });
}

const std::string* findHeader(const std::vector<std::pair<std::string, std::string>>& headers,
                              std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequalsAscii(key, name)) return &value;
  }
  return nullptr;
}

bool isHopByHopHeader(std::string_view name) {
  // By length first: called for every header of every request and answer that is passed on.
  if (name.size() >= 6 && iequalsAscii(name.substr(0, 6), "proxy-")) return true;
  switch (name.size()) {
    case 2:
      return iequalsAscii(name, "te");
    case 7:
      return iequalsAscii(name, "trailer") || iequalsAscii(name, "upgrade");
    case 10:
      return iequalsAscii(name, "connection") || iequalsAscii(name, "keep-alive");
    case 17:
      return iequalsAscii(name, "transfer-encoding");
    default:
      return false;
  }
}

bool isJsonMediaType(std::string_view type) {
  std::string_view t = type.substr(0, type.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  // Compared in place: a lower-cased copy of "application/json" (16 bytes) was a heap
  // allocation per JSON answer.
  constexpr std::string_view kSuffix = "+json";
  return iequalsAscii(t, "application/json") ||
         (t.size() >= kSuffix.size() && iequalsAscii(t.substr(t.size() - kSuffix.size()), kSuffix));
}

namespace {

// Calls `f` with each name listed in Connection headers ("Connection: close, X-Hop") that
// is not hop-by-hop already: those are dropped anyway, and the "keep-alive" that nginx
// names on every answer cost a vector and a string per answer for nothing.
template <class F>
void forEachConnectionNamed(const std::vector<std::pair<std::string, std::string>>& headers,
                            F&& f) {
  for (const auto& [name, value] : headers) {
    if (!iequalsAscii(name, "Connection")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (!item.empty() && !isHopByHopHeader(item)) f(item);
    }
  }
}

template <class Names>
bool crosses(std::string_view name, const Names& named,
             std::initializer_list<std::string_view> alsoDrop) {
  const auto same = [&](std::string_view n) { return iequalsAscii(n, name); };
  return !isHopByHopHeader(name) && std::none_of(named.begin(), named.end(), same) &&
         std::none_of(alsoDrop.begin(), alsoDrop.end(), same);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> endToEndHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::initializer_list<std::string_view> alsoDrop) {
  std::vector<std::string_view> named;
  forEachConnectionNamed(headers, [&](std::string_view n) { named.push_back(n); });
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(headers.size());
  for (const auto& h : headers) {
    if (crosses(h.first, named, alsoDrop)) out.push_back(h);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> endToEndHeaders(
    std::vector<std::pair<std::string, std::string>>&& headers,
    std::initializer_list<std::string_view> alsoDrop) {
  // Copies of the names: filtering moves the strings they would point into.
  std::vector<std::string> named;
  forEachConnectionNamed(headers, [&](std::string_view n) { named.emplace_back(n); });
  std::erase_if(headers, [&](const auto& h) { return !crosses(h.first, named, alsoDrop); });
  return std::move(headers);
}

}  // namespace flowgate

// yaml-cpp, as every file of ours includes it (never <yaml-cpp/yaml.h> directly), with the
// lookup of an absent key made cheap.
//
// yaml-cpp 0.7's `node["key"]` on a map without that key returns an undefined node that
// carries the key's text, for the message of the InvalidNode exception it throws if it is
// then read. It makes that text by writing the key into a std::stringstream: a stream and a
// locale built and torn down, about 1,000 instructions, for every optional key that a file
// leaves out (1,653 times in a start with the shipped artifacts). For string keys the
// specializations below give the same text without a stream. They must be seen before any
// lookup is compiled, hence this one header.
#pragma once

#include <cstddef>
#include <string>

#include <yaml-cpp/yaml.h>

// (yaml-cpp 0.7 declares the template at global scope, in yaml-cpp/traits.h.)
template <std::size_t N>
struct streamable_to_string<char[N], true> {
  static std::string impl(const char (&key)[N]) { return std::string(key); }
};

template <>
struct streamable_to_string<const char*, true> {
  static std::string impl(const char* key) { return std::string(key); }
};

template <>
struct streamable_to_string<std::string, true> {
  static std::string impl(const std::string& key) { return key; }
};

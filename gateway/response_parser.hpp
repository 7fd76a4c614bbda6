// An upstream answer parsed straight into an HttpResponse: Beast's basic_parser with our own
// callbacks, so that the header fields go once into the response's vector instead of first
// into a beast::http::fields tree (an allocation and an ordered insert per field, then a
// copy of each into the vector and the tree's teardown: about 6k instructions per answer of
// nginx's 8 headers under callgrind, bench/RESULTS.md). Only gateway/http_client.cpp
// includes it (Beast's parser headers stay out of the widely included ones).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/beast/http/basic_parser.hpp>

#include "gateway/http_client.hpp"
#include "gateway/json.hpp"

namespace flowgate {

class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  // The answer being read: status, headers in their order and spelling, the body.
  HttpResponse& response() { return response_; }
  HttpResponse release() { return std::move(response_); }

 private:
  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code&) override {}  // a response parser: never called

  void on_response_impl(int code, string_view, int, error_code&) override {
    response_.status = code;
    // Room for a typical answer's fields at once (nginx sends 6 to 8): growing 1, 2, 4, 8
    // moved every pair three times.
    response_.headers.reserve(16);
  }

  void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                     error_code&) override {
    response_.headers.emplace_back(std::string(name), std::string(value));
  }

  void on_header_impl(error_code&) override {}

  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    // The declared length is below the body limit already (basic_parser checks it first).
    // The padding lets checkJson read a JSON answer in place.
    if (length) response_.body.reserve(static_cast<std::size_t>(*length) + kJsonCheckPadding);
  }

  std::size_t on_body_impl(string_view body, error_code&) override {
    response_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    response_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_finish_impl(error_code&) override {}

  HttpResponse response_;
};

}  // namespace flowgate

// A client's request parsed straight into an IncomingRequest: Beast's basic_parser (its
// framing, limits and errors unchanged) with our own callbacks, so that each header field
// goes once into the request's vector, which the flow then reads in place, instead of into a
// beast::http::fields tree (an allocation and an ordered insert per field, the tree's
// teardown) and then a copy of every field into that vector. Only gateway/session.cpp
// includes it (Beast's parser headers stay out of the widely included ones).
#pragma once

#include <cstdint>
#include <string>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/field.hpp>

#include "gateway/http_message.hpp"

namespace flowgate {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;
  using field = boost::beast::http::field;

  IncomingRequest& request() { return request_; }

  unsigned version() const { return request_.version; }

  // Counted while the head is read: RFC 9112 wants exactly one Host on HTTP/1.1, and the
  // session refuses a Transfer-Encoding other than one "chunked" (request smuggling).
  unsigned hostFields() const { return hosts_; }
  unsigned transferEncodingFields() const { return transferEncodings_; }
  // The value of the first Transfer-Encoding field, "" when there is none.
  std::string_view transferEncoding() const {
    return transferEncodings_ == 0 ? std::string_view() : request_.headers[firstTe_].second;
  }
  // The value of the first Expect field, "" when there is none.
  std::string_view expect() const {
    return expects_ == 0 ? std::string_view() : request_.headers[firstExpect_].second;
  }

 private:
  void on_request_impl(boost::beast::http::verb method, string_view methodText, string_view target,
                       int version, error_code&) override {
    request_.method = method;
    request_.methodText.assign(methodText.data(), methodText.size());
    request_.target.assign(target.data(), target.size());
    request_.version = static_cast<unsigned>(version);
    // Room for a typical client's fields at once (curl sends 3 to 5, a browser 10 to 15).
    request_.headers.reserve(16);
  }

  void on_response_impl(int, string_view, int, error_code&) override {}  // never called

  void on_field_impl(field name, string_view nameText, string_view value, error_code&) override {
    switch (name) {
      case field::host:
        ++hosts_;
        break;
      case field::transfer_encoding:
        if (transferEncodings_++ == 0) firstTe_ = request_.headers.size();
        break;
      case field::expect:
        if (expects_++ == 0) firstExpect_ = request_.headers.size();
        break;
      default:
        break;
    }
    request_.headers.emplace_back(std::string(nameText.data(), nameText.size()),
                                  std::string(value.data(), value.size()));
  }

  void on_header_impl(error_code&) override {}

  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    // The declared length is below the body limit already (basic_parser checks it first).
    if (length) request_.body.reserve(static_cast<std::size_t>(*length));
  }

  std::size_t on_body_impl(string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_finish_impl(error_code&) override {}

  IncomingRequest request_;
  unsigned hosts_ = 0;
  unsigned transferEncodings_ = 0;
  unsigned expects_ = 0;
  std::size_t firstTe_ = 0;
  std::size_t firstExpect_ = 0;
};

}  // namespace flowgate

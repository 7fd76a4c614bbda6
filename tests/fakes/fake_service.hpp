// Internal interface between the transport (fake_server.cpp: sockets, TLS, HTTP parsing,
// timers) and the fakes of the upstream services. A service sees plain request/response
// values, never Beast types, so each fake is a synchronous, thread-safe piece of logic and
// all the I/O (including the configured delays) stays in the transport.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowgate::fakes {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct FakeRequest {
  std::string method;  // as sent, e.g. "GET"
  std::string target;  // raw request target, e.g. "/G2W/rest/v2/...?page=1"
  std::string path;    // raw (still percent-encoded) part of the target before '?'
  std::string query;   // raw part after '?', empty when none
  HeaderList headers;
  std::string body;

  // Case-insensitive lookup of the first header with that name; empty when absent.
  std::string_view header(std::string_view name) const;
  bool hasHeader(std::string_view name) const;
};

// A broken answer the transport produces with raw bytes instead of `FakeResponse`'s status
// and body (POST /__fake/config "apiFault"; see tests/fakes/README.md).
enum class TransportFault {
  none,
  resetMidBody,   // headers (Content-Length: 1000) + 100 body bytes, then a TCP RST
  truncatedBody,  // headers (Content-Length: 1000) + 100 body bytes, then a FIN
  garbageStatus,  // "HTTP/1.1 abc nonsense\r\n\r\n", then a FIN
  hugeBody,       // a valid 200 application/json answer of 20 MiB, streamed
  closeNoAnswer,  // nothing: the connection is closed (FIN)
  slowBody,       // headers (Content-Length: 1000) at once, then 1 body byte per 100 ms
};

struct FakeResponse {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  HeaderList headers;  // extra headers (Content-Type/Length and Connection are set by the server)
  // Delay before the answer is sent; the transport waits with an async timer.
  std::chrono::milliseconds delay{0};
  bool close = false;  // close the connection after this answer
  // When not none, the transport sends this fault instead of the answer (after `delay`) and
  // then closes the connection.
  TransportFault fault = TransportFault::none;
  // Extra members of this request's entry in the request log of GET /__fake/stats, e.g.
  // {"operation", "GetTrainingSession"}; nullopt is written as null.
  std::vector<std::pair<std::string, std::optional<std::string>>> logFields;
};

// One faked upstream (GoToWebinar, WebEx). All members may be called from any thread.
class FakeService {
 public:
  virtual ~FakeService() = default;
  // The answer, or nullopt when the request is not for this service.
  virtual std::optional<FakeResponse> handle(const FakeRequest& request) = 0;
  // Back to the default settings and data, counters zero.
  virtual void reset() = 0;
  // Writes this service's counters as members of the (already open) stats object.
  virtual void writeStats(JsonWriter& writer) = 0;
  // Whether `key` is a top-level key of POST /__fake/config that this service understands.
  virtual bool ownsConfigKey(std::string_view key) const = 0;
  // Validates the members of `config` this service owns: empty when valid, else a message.
  virtual std::string checkConfig(const rapidjson::Value& config) const = 0;
  // Merges the (already checked) members this service owns into its settings.
  virtual void applyConfig(const rapidjson::Value& config) = 0;
  // A service-specific control endpoint: `name` is the path after "/__fake/" (e.g.
  // "webex/last"); nullopt when this service has no such endpoint.
  virtual std::optional<FakeResponse> handleControl(std::string_view name,
                                                    const FakeRequest& request) {
    return std::nullopt;
  }
};

// GoToWebinar REST v1 (/G2W/rest) and v2 (/G2W/rest/v2) plus the OAuth token endpoint
// (POST /oauth/token, /oauth/v2/token). See gotowebinar_fake.cpp.
std::unique_ptr<FakeService> makeGoToWebinarFake();

// WebEx XML API, training sessions (POST /WBXService/XMLService) and its control endpoint
// GET /__fake/webex/last. See webex_fake.cpp.
std::unique_ptr<FakeService> makeWebExFake();

// ---- Helpers shared by the fakes (fake_util.cpp) ----

bool equalsIgnoreCase(std::string_view a, std::string_view b);
bool startsWithIgnoreCase(std::string_view s, std::string_view prefix);
std::string_view trim(std::string_view s);

// Percent-decodes `in` (and '+' as a space when `plusIsSpace`); false on a malformed escape.
bool percentDecode(std::string_view in, bool plusIsSpace, std::string& out);

// Parses "a=1&b=x%20y" (application/x-www-form-urlencoded, also used for queries).
// nullopt on a malformed escape.
std::optional<std::vector<std::pair<std::string, std::string>>> parseForm(std::string_view text);
// First value of `name` in a parsed form, nullptr when absent.
const std::string* formValue(const std::vector<std::pair<std::string, std::string>>& form,
                             std::string_view name);

std::optional<std::string> base64Decode(std::string_view in);

// "2015-07-13T10:00:00Z" (optionally with fractional seconds) -> seconds since the epoch.
std::optional<long long> parseIsoUtc(std::string_view text);
// Seconds since the epoch -> "2015-07-13T10:00:00Z".
std::string formatIsoUtc(long long epochSeconds);

// A non-negative decimal integer of at most 9 digits, else nullopt.
std::optional<int> parseSmallInt(std::string_view text);

FakeResponse jsonResponse(int status, std::string body);
// {"errorCode":code,"description":description}, the error shape of the fakes' own answers.
std::string errorBody(std::string_view code, std::string_view description);
// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
long long daysFromCivil(long long y, unsigned m, unsigned d);
std::string writerText(const rapidjson::StringBuffer& buffer);
void writeString(JsonWriter& writer, std::string_view s);
std::string serializeJson(const rapidjson::Value& value);

}  // namespace flowgate::fakes

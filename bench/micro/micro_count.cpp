// flowgate_micro_count PIECE [N]: runs one piece of bench/micro exactly N times (default
// 2000) inside measuredLoop(), after the piece's checked set-up run and one warm-up run, so
// that callgrind counts instructions of the N operations only:
//
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measuredLoop*'
//            build-bench/flowgate_micro_count webex_normalize 2000
//
// Ir / N is then the instruction count of one operation (bench/micro.sh --callgrind).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "bench/micro/pieces.hpp"

namespace fb = flowgate::bench;

namespace {

template <class Piece>
[[gnu::noinline]] void measuredLoop(Piece& piece, long n) {
  for (long i = 0; i < n; ++i) piece.once();
}

[[gnu::noinline]] void measuredLoop(fb::PipelineRun& run, long n) {
  long i = 0;
  run.loop([&i, n] { return i++ < n; });
}

template <class Piece>
void count(Piece& piece, long n) {
  piece.once();  // warm-up: first-use statics, metric families, allocator pools
  measuredLoop(piece, n);
}

constexpr const char* kPieces =
    "jsonpath_compile jsonpath_compile_nested jsonpath_evaluate jsonpath_evaluate_nested "
    "parse_body request_metrics template_single template_bearer "
    "template_url webex_build webex_normalize xml_parse pipeline_gotowebinar pipeline_dispatch "
    "pipeline_webex pipeline_api_passthrough pipeline_customers pipeline_soap";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: flowgate_micro_count PIECE [N]\npieces: %s\n", kPieces);
    return 2;
  }
  const std::string piece = argv[1];
  const long n = argc == 3 ? std::strtol(argv[2], nullptr, 10) : 2000;
  if (n < 1) fb::fail("N must be 1 or more");

  if (piece == "jsonpath_compile") {
    fb::JsonPathCompile p("$.webinarKey");
    count(p, n);
  } else if (piece == "jsonpath_compile_nested") {
    fb::JsonPathCompile p("$.a.b[2].c");
    count(p, n);
  } else if (piece == "jsonpath_evaluate") {
    fb::JsonPathEvaluate p("$.webinarKey", fb::kGoToWebinarBody);
    count(p, n);
  } else if (piece == "jsonpath_evaluate_nested") {
    fb::JsonPathEvaluate p("$.a.b[2].c", fb::kNestedBody);
    count(p, n);
  } else if (piece == "parse_body") {
    fb::ParseBody p(fb::kGoToWebinarBody);
    count(p, n);
  } else if (piece == "request_metrics") {
    fb::RecordRequestMetrics p;
    count(p, n);
  } else if (piece == "template_single") {
    fb::TemplateEvaluate p("{$ctx:webinarKey}");
    count(p, n);
  } else if (piece == "template_bearer") {
    fb::TemplateEvaluate p("Bearer {$ctx:accessToken}");
    count(p, n);
  } else if (piece == "template_url") {
    fb::TemplateEvaluate p(
        "{$ctx:apiUrl}/G2W/rest/v2/organizers/{$ctx:organizerKey}/webinars/"
        "{$ctx:webinarKey}/sessions/{$ctx:sessionKey}");
    count(p, n);
  } else if (piece == "webex_build") {
    fb::WebExBuildRequest p;
    count(p, n);
  } else if (piece == "webex_normalize") {
    fb::WebExNormalizeResponse p;
    count(p, n);
  } else if (piece == "xml_parse") {
    fb::XmlParseDocument p;
    count(p, n);
  } else if (piece == "pipeline_dispatch") {
    std::unique_ptr<fb::PipelineRun> p = fb::makeDispatchPipeline();
    count(*p, n);
  } else if (piece == "pipeline_gotowebinar") {
    std::unique_ptr<fb::PipelineRun> p = fb::makeGoToWebinarPipeline();
    count(*p, n);
  } else if (piece == "pipeline_webex") {
    std::unique_ptr<fb::PipelineRun> p = fb::makeWebExPipeline();
    count(*p, n);
  } else if (piece == "pipeline_api_passthrough") {
    std::unique_ptr<fb::PipelineRun> p = fb::makeApiPassthroughPipeline();
    count(*p, n);
  } else if (piece == "pipeline_customers") {
    std::unique_ptr<fb::PipelineRun> p = fb::makeCustomersPipeline();
    count(*p, n);
  } else if (piece == "pipeline_soap") {
    std::unique_ptr<fb::PipelineRun> p = fb::makeSoapPipeline();
    count(*p, n);
  } else {
    std::fprintf(stderr, "flowgate_micro_count: unknown piece %s\npieces: %s\n", piece.c_str(),
                 kPieces);
    return 2;
  }
  std::printf("%s %ld\n", piece.c_str(), n);
  return 0;
}

// flowgate_micro: Google Benchmark timings of the mediation pieces (issue 5), ns per
// operation on the seed's inputs. bash bench/micro.sh builds and runs it.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>

#include "bench/micro/pieces.hpp"

namespace fb = flowgate::bench;

namespace {

// JSONPath: json-eval(...) compiled to a RapidJSON Pointer (once per proxy load).
void BM_JsonPathCompile(benchmark::State& state, const char* path) {
  fb::JsonPathCompile piece(path);
  for (auto _ : state) piece.once();
}
BENCHMARK_CAPTURE(BM_JsonPathCompile, webinarKey, "$.webinarKey");
BENCHMARK_CAPTURE(BM_JsonPathCompile, a_b_2_c, "$.a.b[2].c");

// JSONPath evaluated on the parsed body (once per property per request).
void BM_JsonPathEvaluate(benchmark::State& state, const char* path, std::string_view body) {
  fb::JsonPathEvaluate piece(path, body);
  for (auto _ : state) piece.once();
}
BENCHMARK_CAPTURE(BM_JsonPathEvaluate, webinarKey, "$.webinarKey", fb::kGoToWebinarBody);
BENCHMARK_CAPTURE(BM_JsonPathEvaluate, a_b_2_c, "$.a.b[2].c", fb::kNestedBody);

// The request body parsed into a fresh document with pipeline.cpp's flags (once per request).
void BM_ParseSeedBody(benchmark::State& state) {
  fb::ParseBody piece(fb::kGoToWebinarBody);
  for (auto _ : state) piece.once();
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(piece.bytes()));
}
BENCHMARK(BM_ParseSeedBody);

// Templates: a single reference keeps the value (no copy); anything else interpolates.
void BM_TemplateEvaluate(benchmark::State& state, const char* text) {
  fb::TemplateEvaluate piece(text);
  for (auto _ : state) piece.once();
}
BENCHMARK_CAPTURE(BM_TemplateEvaluate, single_ctx, "{$ctx:webinarKey}");
BENCHMARK_CAPTURE(BM_TemplateEvaluate, bearer, "Bearer {$ctx:accessToken}");
BENCHMARK_CAPTURE(BM_TemplateEvaluate, url_4_refs,
                  "{$ctx:apiUrl}/G2W/rest/v2/organizers/{$ctx:organizerKey}/webinars/"
                  "{$ctx:webinarKey}/sessions/{$ctx:sessionKey}");

// WebEx: the GetTrainingSession request envelope (libxml2 tree, serialized).
void BM_WebExBuildRequest(benchmark::State& state) {
  fb::WebExBuildRequest piece;
  for (auto _ : state) piece.once();
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(piece.bytes()));
}
BENCHMARK(BM_WebExBuildRequest);

// WebEx: the seed's 7 KB answer parsed and normalized, then written as JSON text.
void BM_WebExNormalizeResponse(benchmark::State& state) {
  fb::WebExNormalizeResponse piece;
  for (auto _ : state) piece.once();
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(piece.bytes()));
}
BENCHMARK(BM_WebExNormalizeResponse);

// A whole proxy through runProxy, the upstream answered in process (no network).
void BM_PipelineGoToWebinar(benchmark::State& state) {
  std::unique_ptr<fb::PipelineRun> run = fb::makeGoToWebinarPipeline();
  run->loop([&state] { return state.KeepRunning(); });
}
BENCHMARK(BM_PipelineGoToWebinar);

// The dispatch example: a switch on the Action header in front of the same operation.
void BM_PipelineDispatch(benchmark::State& state) {
  std::unique_ptr<fb::PipelineRun> run = fb::makeDispatchPipeline();
  run->loop([&state] { return state.KeepRunning(); });
}
BENCHMARK(BM_PipelineDispatch);

void BM_PipelineWebEx(benchmark::State& state) {
  std::unique_ptr<fb::PipelineRun> run = fb::makeWebExPipeline();
  run->loop([&state] { return state.KeepRunning(); });
}
BENCHMARK(BM_PipelineWebEx);

// An API resource that only calls an endpoint (bench/run.sh row E), routed per request.
void BM_PipelineApiPassthrough(benchmark::State& state) {
  std::unique_ptr<fb::PipelineRun> run = fb::makeApiPassthroughPipeline();
  run->loop([&state] { return state.KeepRunning(); });
}
BENCHMARK(BM_PipelineApiPassthrough);

// The flows' XML parser on the WebEx answer (bytes/s comparable with the WebEx normalizer's).
void BM_XmlParseDocument(benchmark::State& state) {
  fb::XmlParseDocument piece;
  for (auto _ : state) piece.once();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * piece.bytes()));
}
BENCHMARK(BM_XmlParseDocument);

// The SOAP calculator example, POST /calculator/add (row G).
void BM_PipelineSoap(benchmark::State& state) {
  std::unique_ptr<fb::PipelineRun> run = fb::makeSoapPipeline();
  run->loop([&state] { return state.KeepRunning(); });
}
BENCHMARK(BM_PipelineSoap);

// The customers example, GET /customers/1 (row F).
void BM_PipelineCustomers(benchmark::State& state) {
  std::unique_ptr<fb::PipelineRun> run = fb::makeCustomersPipeline();
  run->loop([&state] { return state.KeepRunning(); });
}
BENCHMARK(BM_PipelineCustomers);

}  // namespace

BENCHMARK_MAIN();

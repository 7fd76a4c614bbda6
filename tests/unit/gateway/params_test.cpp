#include "gateway/params.hpp"

#include <doctest/doctest.h>

using namespace flowgate;

TEST_CASE("parameters are converted to their declared type or rejected with a reason") {
  JsonDoc doc;
  doc.Parse(
      R"({"s":"42","big":6487648931392511233,"neg":-5,"t":"true","b":false,"o":{},"x":"abc","d":1.5})");
  auto& alloc = doc.GetAllocator();
  std::deque<Json> store;
  std::string problem;

  const Json* s = coerceParam(doc["big"], ParamType::String, store, alloc, problem);
  REQUIRE(s);
  CHECK(std::string(s->GetString()) == "6487648931392511233");

  const Json* i = coerceParam(doc["s"], ParamType::Integer, store, alloc, problem);
  REQUIRE(i);
  CHECK(i->GetInt64() == 42);
  CHECK(coerceParam(doc["neg"], ParamType::Integer, store, alloc, problem)->GetInt64() == -5);

  CHECK(coerceParam(doc["t"], ParamType::Boolean, store, alloc, problem)->GetBool());
  CHECK_FALSE(coerceParam(doc["b"], ParamType::Boolean, store, alloc, problem)->GetBool());
  CHECK(coerceParam(doc["o"], ParamType::Object, store, alloc, problem)->IsObject());

  CHECK(coerceParam(doc["x"], ParamType::Integer, store, alloc, problem) == nullptr);
  CHECK(problem == "must be an integer, got string \"abc\"");
  CHECK(coerceParam(doc["o"], ParamType::String, store, alloc, problem) == nullptr);
  CHECK(problem == "must be a string, got an object");
  CHECK(coerceParam(doc["d"], ParamType::String, store, alloc, problem) == nullptr);
  CHECK(coerceParam(doc["x"], ParamType::Boolean, store, alloc, problem) == nullptr);
}

TEST_CASE("jsonString copies an empty view with a null data() as the empty string") {
  JsonDoc doc;
  const Json value = jsonString(std::string_view{}, doc.GetAllocator());
  REQUIRE(value.IsString());
  CHECK(value.GetStringLength() == 0);
  CHECK(std::string(value.GetString()).empty());
}

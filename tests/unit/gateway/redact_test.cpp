#include "gateway/redact.hpp"

#include <doctest/doctest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

using namespace flowgate;

TEST_CASE("secret names: passwords, tokens, secrets, Authorization, whatever the case") {
  for (const char* name :
       {"password", "webExPassword", "client_secret", "clientSecret", "accessToken",
        "refresh_token", "Authorization", "X-Api-Key", "sessionTicket", "pwd"}) {
    CHECK_MESSAGE(isSecretName(name), name);
  }
  for (const char* name : {"tokenUrl", "token_type", "webExID", "organizerKey", "expires_in"}) {
    CHECK_FALSE_MESSAGE(isSecretName(name), name);
  }
}

TEST_CASE("redactSecrets masks values in JSON, forms, XML, headers and credentials") {
  CHECK(redactSecrets(R"({"access_token":"abc.def","expires_in":3600})") ==
        R"({"access_token":"***","expires_in":3600})");
  CHECK(redactSecrets(R"({"password" : "p\"w"})") == R"({"password" : "***"})");
  CHECK(redactSecrets("grant_type=refresh_token&refresh_token=r1&client_secret=s2") ==
        "grant_type=refresh_token&refresh_token=***&client_secret=***");
  CHECK(redactSecrets("<webExID>me</webExID><password>hunter2</password>") ==
        "<webExID>me</webExID><password>***</password>");
  CHECK(redactSecrets("Authorization: Bearer eyJ0eXAi.x.y\r\nHost: h") ==
        "Authorization: ***\r\nHost: h");
  CHECK(redactSecrets("sent Bearer abc123 to x") == "sent Bearer *** to x");
  CHECK(redactSecrets("Basic dXNlcjpwYXNz") == "Basic ***");
  // Names alone, and messages that only name a parameter, are left as they are.
  CHECK(redactSecrets("missing required parameter 'accessToken' (from $.accessToken)") ==
        "missing required parameter 'accessToken' (from $.accessToken)");
  CHECK(redactSecrets("") == "");
}

TEST_CASE("maskSecretMembers masks secret members at any depth") {
  rapidjson::Document doc;
  doc.Parse(R"({"a":{"clientSecret":"s","list":[{"token":"t","n":1}]},"refreshToken":null})");
  maskSecretMembers(doc);
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  doc.Accept(w);
  CHECK(std::string(b.GetString()) ==
        R"({"a":{"clientSecret":"***","list":[{"token":"***","n":1}]},"refreshToken":null})");
}

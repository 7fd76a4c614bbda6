// Masking of secrets (passwords, tokens, client secrets, Authorization values) in every log
// line and every error message. Applied where text leaves the process: log sinks, error
// envelopes and the upstream bodies they embed.
#pragma once

#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace flowgate {

constexpr std::string_view kMask = "***";

// True for names that hold secrets: password, pwd, passwd, secret, clientSecret, token,
// accessToken, refreshToken, idToken, authorization, apiKey, sessionTicket... (case and
// '_'/'-' ignored, so client_secret and Client-Secret too).
bool isSecretName(std::string_view name);

class SecretValues;

// Masks the secret values in free text: first every value of `known` wherever it appears
// (gateway/secrets.hpp), then by shape: JSON members ("password":"x"), form and query pairs
// (client_secret=x&...), XML elements (<password>x</password>), header lines
// (Authorization: x), Bearer/Basic credentials and the password of a URL (scheme://u:p@h).
std::string redactSecrets(std::string_view text, const SecretValues* known = nullptr);

// Replaces, recursively, the value of every member with a secret name by "***".
void maskSecretMembers(rapidjson::Value& value);

}  // namespace flowgate

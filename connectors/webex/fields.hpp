// The one field table of the webex connector: every known element of a training session (and
// of the few other documents the connector reads or writes) with its type, in schema order.
// The normalizer (XML -> JSON) and the request builder (JSON -> XML) both walk it, so that what
// getTrainingSession returns is exactly what createTrainingSession/setTrainingSession accept.
#pragma once

#include <span>
#include <string_view>

namespace flowgate::webex {

enum class FieldType {
  String,     // text, kept as a JSON string (keys, passwords, phones, codes...)
  Bool,       // TRUE/FALSE/true/false <-> JSON true/false
  Int,        // decimal int64 <-> JSON integer
  Date,       // MM/dd/yyyy HH:mm:ss; normalized with an ISO 8601 "<name>Iso" companion
  Container,  // known children (Field::children)
  Open,       // a block whose content is not modelled: text kept as strings, nesting kept
};

struct Container;

struct Field {
  std::string_view name;  // local name (namespace prefixes never matter)
  FieldType type = FieldType::String;
  bool repeated = false;                // always a JSON array, even of one
  const Container* children = nullptr;  // FieldType::Container only
  bool responseOnly = false;            // normalized, accepted back, never sent
  bool sessionRoot = false;             // dates inside use this element's time zone
};

struct Container {
  std::string_view what;  // for messages: "training session field", "date scope field"
  std::span<const Field> fields;

  const Field* find(std::string_view name) const;
};

// The bodyContent of GetTrainingSession's answer and the `session` of Create/Set (a
// sessionRoot: its schedule/timeZone or schedule/timeZoneID dates the dates inside).
const Container& sessionSchema();
// The bodyContent of LstsummaryTrainingSession's answer (trainingSession*, matchingRecords).
const Container& sessionListSchema();
// The bodyContent of CreateTrainingSession's answer.
const Container& createAnswerSchema();
// An empty bodyContent (Set, Del): anything inside is kept as unknown content.
const Container& emptySchema();
// serv:header/serv:response.
const Container& responseHeaderSchema();
// dateScope of LstsummaryTrainingSession.
const Container& dateScopeSchema();

// WebEx spells the key of a new session `sessionkey`: one name for both.
std::string_view canonicalName(std::string_view localName);

// The suffix of the ISO 8601 companion of a Date field ("startDate" -> "startDateIso").
inline constexpr std::string_view kIsoSuffix = "Iso";

}  // namespace flowgate::webex

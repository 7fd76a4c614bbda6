#include "gateway/describe.hpp"

#include <algorithm>
#include <ostream>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "gateway/expr/text.hpp"
#include "gateway/flow/step.hpp"

namespace flowgate {

namespace {

std::string lower(std::string_view s) {
  return expr::text::toLowerAscii(s);
}

// Levenshtein distance over ASCII-lowered text (names are short: two rows suffice).
std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string_view afterDot(std::string_view name) {
  const auto dot = name.find('.');
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

std::string joined(const std::vector<std::string>& values, std::string_view separator) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += separator;
    out += v;
  }
  return out;
}

}  // namespace

std::string describeJson(const std::vector<const flow::StepKind*>& kinds) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  auto string = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("steps");
  w.StartArray();
  for (const flow::StepKind* kind : kinds) {
    w.StartObject();
    w.Key("name");
    string(kind->name);
    w.Key("description");
    string(kind->description);
    w.Key("params");
    w.StartArray();
    for (const ParamSpec& p : kind->params) {
      w.StartObject();
      w.Key("name");
      string(p.name);
      w.Key("type");
      string(paramTypeName(p.type));
      w.Key("required");
      w.Bool(p.required);
      w.Key("description");
      string(p.description);
      if (!p.allowed.empty()) {
        w.Key("allowed");
        w.StartArray();
        for (const auto& value : p.allowed) string(value);
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string describeText(const std::vector<const flow::StepKind*>& kinds) {
  std::string out;
  for (const flow::StepKind* kind : kinds) {
    if (!out.empty()) out += '\n';
    out += kind->name;
    out += '\n';
    if (!kind->description.empty()) out += "  " + kind->description + "\n";
    if (kind->params.empty()) {
      out += "  (no parameters)\n";
      continue;
    }
    std::size_t width = 0;
    for (const ParamSpec& p : kind->params) width = std::max(width, p.name.size());
    for (const ParamSpec& p : kind->params) {
      std::string line = "  " + p.name + std::string(width - p.name.size() + 2, ' ');
      const std::string_view type = paramTypeName(p.type);
      line += type;
      line += std::string(type.size() < 9 ? 9 - type.size() : 1, ' ');
      line += p.required ? "required  " : "optional  ";
      line += p.description;
      if (!p.allowed.empty()) {
        line += std::string(p.description.empty() ? "" : " ") +
                "One of: " + joined(p.allowed, ", ") + (p.ignoreCase ? " (any case)." : ".");
      }
      out += line + "\n";
    }
  }
  return out;
}

std::vector<std::string> closeStepNames(const flow::StepRegistry& registry, std::string_view name) {
  const std::string wanted = lower(name);
  const std::size_t maxEdits = std::max<std::size_t>(2, wanted.size() / 4);
  struct Candidate {
    std::size_t score;
    std::string name;
  };
  std::vector<Candidate> found;
  for (const flow::StepKind& kind : registry.all()) {
    const std::string have = lower(kind.name);
    const std::string haveOp = lower(afterDot(kind.name));
    const std::size_t edits =
        std::min(editDistance(wanted, have), editDistance(lower(afterDot(wanted)), haveOp));
    std::size_t score = 0;
    if (have == wanted || haveOp == wanted) {
      score = 0;
    } else if (edits <= maxEdits) {
      score = 1 + edits;
    } else if (wanted.size() >= 3 && have.find(wanted) != std::string::npos) {
      score = 100;
    } else {
      continue;
    }
    found.push_back({score, kind.name});
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score < b.score; });
  std::vector<std::string> names;
  for (const auto& c : found) {
    if (names.size() == 8) break;
    names.push_back(c.name);
  }
  return names;
}

int describeCommand(const flow::StepRegistry& registry, std::string_view name, bool json,
                    std::ostream& out, std::ostream& err) {
  std::vector<const flow::StepKind*> kinds;
  if (name.empty()) {
    for (const flow::StepKind& kind : registry.all()) kinds.push_back(&kind);
  } else if (const flow::StepKind* kind = registry.find(name)) {
    kinds.push_back(kind);
  } else {
    const auto close = closeStepNames(registry, name);
    err << "flowgate: unknown step kind or operation '" << name << "'";
    if (close.empty()) {
      err << " (flowgate describe lists them all)\n";
    } else {
      err << "; close names: " << joined(close, ", ") << "\n";
    }
    return 1;
  }
  out << (json ? describeJson(kinds) : describeText(kinds));
  return 0;
}

}  // namespace flowgate

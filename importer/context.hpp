// What the Synapse converters share: the source file, the findings (what did not convert
// exactly, with FILE:LINE), the local entries and templates of the import, and small helpers
// over libxml2's tree. Only the importer includes this header.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <libxml/tree.h>
#include <yaml-cpp/yaml.h>

namespace flowgate::importer {

struct Finding {
  std::string file;
  long line = 0;
  std::string element;
  std::string why;
  bool blocking = true;  // not converted: a marker step (or, --allow-partial, a throwError)
};

struct Context {
  std::string file;
  bool allowPartial = false;
  std::vector<Finding>* findings = nullptr;
  // localEntry key -> its element (a connector's init, behind configKey=), from every file.
  const std::map<std::string, xmlNodePtr>* localEntries = nullptr;
  // Inside a faultSequence (onError): error.* may be read.
  bool inFault = false;
  // The HTTP_SC that an axis2 property set, for the next respond.
  std::optional<std::string> pendingStatus;
  // Endpoint name -> its kind (address, http, ...), from every file of the import.
  const std::map<std::string, std::string>* endpointKinds = nullptr;
  // In an API resource, and whether REST_URL_POSTFIX was removed in it (MI appends the
  // request's URL postfix to an address endpoint's URI unless it is).
  bool inApi = false;
  bool postfixRemoved = false;
  // A proxy's target endpoint: where a send without an endpoint of its own goes.
  std::optional<YAML::Node> targetEndpoint;
  // The namespaces the expressions of the step being converted need (xpath()).
  std::map<std::string, std::string> namespaces;

  std::string where(xmlNodePtr n) const { return file + ":" + std::to_string(xmlGetLineNo(n)); }
  // Records a construct that did not convert and returns the step that stands for it: an
  // `unconverted` marker (a check error), or with --allow-partial a throwError at run time.
  YAML::Node marker(xmlNodePtr n, const std::string& why);
  // Records a difference that does not stop the conversion (reported, not blocking).
  void note(xmlNodePtr n, const std::string& why);
};

std::string localName(xmlNodePtr n);
std::optional<std::string> attr(xmlNodePtr n, const char* name);
std::vector<xmlNodePtr> elements(xmlNodePtr parent);
xmlNodePtr child(xmlNodePtr parent, std::string_view name);
std::string textOf(xmlNodePtr n);  // the text content, blanks trimmed
// The element written out as XML (its in-scope namespaces declared on it).
std::string serialize(xmlNodePtr n);

}  // namespace flowgate::importer

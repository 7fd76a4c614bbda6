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

#include "gateway/yaml.hpp"

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
  // Converting a proxy's or resource's in-flow (not its outSequence or a named sequence).
  bool inFlow = false;
  // Whether a send continued into the inline outSequence (one that none reaches is reported).
  bool outUsed = false;
  // A named outSequence (<target outSequence="x">): what a send continues into.
  std::optional<std::string> outSequenceKey;
  // The axis2 HTTP_METHOD in force: the method of the calls that follow (the endpoint's own
  // method wins, as in MI).
  std::optional<std::string> httpMethod;
  // OUT_ONLY / FORCE_SC_ACCEPTED set: a send does not wait for an answer; the client gets 202.
  bool outOnly = false;
  bool forceAccepted = false;
  // The payload is XML now (an XML payloadFactory came last): messageType application/xml
  // has nothing to convert.
  bool xmlPayload = false;
  // Converting the sequence template of this name: its parameters ($func:p) are the vars
  // "<template>.<p>" that a call-template sets (MI keeps them on a stack, one frame per call:
  // named per template, a nested call of another template does not overwrite them).
  std::string templateName;
  // The variable that holds parameter `param` of `templateName` (the param itself outside one).
  std::string functionParam(const std::string& param) const {
    return templateName.empty() ? param : templateName + "." + param;
  }
  static std::string functionParam(const std::string& tmpl, const std::string& param) {
    return tmpl + "." + param;
  }
  // The namespaces the expressions of the step being converted need (xpath()).
  std::map<std::string, std::string> namespaces;

  // The sequences of the import by name (whether a named inSequence ends in a send), and
  // those that handle faults (a faultSequence= or onError= names them, and MI's "fault").
  const std::map<std::string, xmlNodePtr>* sequences = nullptr;
  const std::set<std::string>* faultSequences = nullptr;

  // What the mediators of one flow set for those after them (HTTP_SC, HTTP_METHOD, OUT_ONLY...):
  // each branch of a filter or switch starts from the state before it.
  struct FlowState {
    std::optional<std::string> pendingStatus, httpMethod;
    bool outOnly = false, forceAccepted = false, xmlPayload = false;
  };
  FlowState state() const {
    return {pendingStatus, httpMethod, outOnly, forceAccepted, xmlPayload};
  }
  void restore(const FlowState& s) {
    pendingStatus = s.pendingStatus;
    httpMethod = s.httpMethod;
    outOnly = s.outOnly;
    forceAccepted = s.forceAccepted;
    xmlPayload = s.xmlPayload;
  }
  // Forgets what one flow set before the next one.
  void resetFlow() { restore(FlowState{}); }

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

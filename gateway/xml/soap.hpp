// SOAP 1.1 and 1.2 envelopes: building them, their media types, and reading a Fault.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace flowgate::xml {

class Document;

enum class SoapVersion { None, V11, V12 };

inline constexpr std::string_view kSoap11Namespace = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr std::string_view kSoap12Namespace = "http://www.w3.org/2003/05/soap-envelope";

// The version of `doc` when its root is a SOAP Envelope, else None.
SoapVersion envelopeVersion(const Document& doc);

// <soapenv:Envelope xmlns:soapenv="..."> with a Header (when `header` is not empty) and a
// Body holding `body`: XML fragments (an XML declaration at their start is dropped).
std::string envelope(SoapVersion version, std::string_view header, std::string_view body);

// What a SOAP request is sent with: 1.1 text/xml (the action goes in the SOAPAction
// header), 1.2 application/soap+xml with the action as its parameter.
std::string soapContentType(SoapVersion version, std::string_view action);

// Whether the root element of well-formed `text` may be a SOAP Envelope (its local name is
// "Envelope"): false means it certainly is not, without parsing.
bool rootMayBeEnvelope(std::string_view text);

// `text` without a leading XML declaration (and the blanks after it).
std::string_view withoutXmlDeclaration(std::string_view text);

struct SoapFault {
  SoapVersion version = SoapVersion::V11;
  std::string code;    // 1.1 faultcode, 1.2 Code/Value (with its Subcode values after '/')
  std::string reason;  // 1.1 faultstring, 1.2 the first Reason/Text
  std::string actor;   // 1.1 faultactor, 1.2 Role (may be empty)
  std::string detail;  // the Detail's text content, blanks trimmed (may be empty)
};

// The Fault in the Body of a SOAP envelope, if it holds one.
std::optional<SoapFault> findFault(const Document& doc);

}  // namespace flowgate::xml

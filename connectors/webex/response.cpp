#include "connectors/webex/response.hpp"
#include "connectors/webex/text.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "connectors/webex/dates.hpp"
#include "connectors/webex/xml_support.hpp"

namespace flowgate::webex {

namespace {

Error badAnswer(std::string message) {
  return Error::make(ErrorCode::BadUpstreamResponse, "WebEx: " + std::move(message));
}

std::optional<std::int64_t> parseInt(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<bool> parseBool(std::string_view s) {
  if (s.size() == 4 && (s[0] | 0x20) == 't' && (s[1] | 0x20) == 'r' && (s[2] | 0x20) == 'u' &&
      (s[3] | 0x20) == 'e') {
    return true;
  }
  if (s.size() == 5 && (s[0] | 0x20) == 'f' && (s[1] | 0x20) == 'a' && (s[2] | 0x20) == 'l' &&
      (s[3] | 0x20) == 's' && (s[4] | 0x20) == 'e') {
    return false;
  }
  return std::nullopt;
}

std::string_view view(const xmlChar* s) {
  return s != nullptr ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view{};
}

// --- the streaming normalizer ----------------------------------------------------------------
//
// libxml2 reads the answer once and calls back for every element start and end and every piece
// of text; nothing is kept but a stack of the elements open inside the two parts that are
// normalized (serv:header/serv:response and serv:body/serv:bodyContent), each with the JSON
// value it is building. A closed element becomes a member of its parent's value at once.
//
// Dates take the offset of their session's time zone, which WebEx writes after them
// (schedule/startDate comes before schedule/timeZone): the ISO companion is written without
// offset, as a placeholder, and completed when the offset is known for good (the schedule's
// label was read) or when the session element closes.
//
// Blank text: with XML_PARSE_NOBLANKS libxml2 drops a blank run when a heuristic (areBlanks in
// parser.c) says it is ignorable, and that heuristic reads ctxt->node, the element being built,
// and its first and last child. Without a tree ctxt->node would be null and every blank run
// kept, so ctxt->node points at a stand-in node whose `children` and `last` say what the tree
// would hold (nothing, a text node or another node): libxml2 drops exactly the runs it dropped
// when it built the tree (which matters for text split by comments: "<a><!--c-->x<!--d-->
// <!--e-->y</a>" is "xy").

enum class Kind : std::uint8_t {
  Container,  // known children (the table's Container fields and the two roots)
  Open,       // unknown content: a string, or an object once an element child appears
  Leaf,       // a String, Bool, Int or Date field
};

struct ZoneSource {
  bool labelSeen = false;
  bool idSeen = false;
  std::optional<int> label;        // the offset its first <timeZone> label gives
  std::optional<std::int64_t> id;  // its first <timeZoneID>, when that is an integer
};

// A session root (bodyContent, each list trainingSession): its time zone's sources and where
// its dates start in `pending_`.
struct Session {
  ZoneSource schedule;  // its first <schedule> child's
  ZoneSource own;
  bool scheduleSeen = false;
  bool final = false;  // the schedule's label was read: nothing later changes the offset
  std::size_t firstPending = 0;

  // The schedule's label, else the session's own label, else a timeZoneID (the schedule's
  // first) from WebEx's table.
  std::optional<int> offset() const {
    if (schedule.label) return schedule.label;
    std::optional<int> fromId;
    if (schedule.id) fromId = offsetFromTimeZoneId(*schedule.id);
    if (own.label) return own.label;
    if (own.id && !fromId) fromId = offsetFromTimeZoneId(*own.id);
    return fromId;
  }
};

// An element that is a time zone source: the first <timeZone> (label) or <timeZoneID> child of
// a session root (own) or of its first <schedule> (schedule).
struct ZoneTarget {
  int session = -1;
  bool schedule = false;
  bool label = false;
};

struct Frame {
  Json value;                         // Container: its object; Open: once it has elements
  const Container* schema = nullptr;  // Container: the fields of its children
  const Field* field = nullptr;       // the table's field; null for unknown content, roots
  std::string_view name;              // canonical local name
  std::uint64_t added = 0;            // Container: bit i = fields[i] (not repeated) is there
  std::size_t hint = 0;               // Container: where the next field lookup starts
  Kind kind = Kind::Container;
  bool hasElements = false;  // an element child was seen
  bool collect = false;      // its text is gathered (until an element child)
  std::uint8_t zones = 0;    // how many of `zone` are set
  ZoneTarget zone[2];        // the time zone sources it is
  int session = -1;          // a session root: its index in `sessions_`
  int scheduleOf = -1;       // the first <schedule> of that session root
};

// The ISO companion of a date whose offset is not known yet. While the object holding it is
// open (usually: schedule/startDate until schedule/timeZone), it is found by index; once that
// object moved into its parent, by the placeholder's address (a walk of the session's value).
struct PendingDate {
  const char* placeholder;  // the ISO text without offset (a constant string of the allocator)
  WallClock time;
  std::size_t frame;           // the frame whose object holds it, while `attached`
  rapidjson::SizeType member;  // its index among that object's members
  bool attached;
  bool done;
};

class Streamer {
 public:
  Streamer() {
    frames_.reserve(kMaxXmlDepth);
    node_.type = XML_ELEMENT_NODE;
    node_.name = reinterpret_cast<const xmlChar*>("");
    textChild_.type = XML_TEXT_NODE;
    otherChild_.type = XML_COMMENT_NODE;
  }

  void reset(const Container& bodySchema, JsonAlloc& alloc, Answer& answer) {
    bodySchema_ = &bodySchema;
    alloc_ = &alloc;
    answer_ = &answer;
    body_.SetObject();
    depth_ = 0;
    skip_ = 0;
    section_ = Section::None;
    rootName_ = {};
    rootIsMessage_ = headerSeen_ = bodySeen_ = responseSeen_ = bodyContentSeen_ = false;
    headerFailed_ = bodyFailed_ = false;
    headerError_.clear();
    bodyError_.clear();
    frames_.clear();
    sessions_.clear();
    pending_.clear();
    text_.clear();
    kinds_ = 0;
    savedKinds_.clear();
    setNode();
  }

  // --- SAX events ---------------------------------------------------------------------------

  void startElement(xmlParserCtxtPtr ctxt, std::string_view localName) {
    ++depth_;
    childNode();
    savedKinds_.push_back(kinds_);
    kinds_ = 0;
    setNode();
    ctxt->node = &node_;
    if (skip_ > 0) {
      ++skip_;
      return;
    }
    if (!frames_.empty()) {
      child(localName);
      return;
    }
    if (depth_ == 1) {
      rootName_ = localName;
      rootIsMessage_ = localName == "message";
      if (!rootIsMessage_) skip_ = 1;
    } else if (depth_ == 2 && localName == "header" && !headerSeen_) {
      headerSeen_ = true;
      section_ = Section::Header;
    } else if (depth_ == 2 && localName == "body" && !bodySeen_) {
      bodySeen_ = true;
      section_ = Section::Body;
    } else if (depth_ == 3 && section_ == Section::Header && localName == "response" &&
               !responseSeen_) {
      responseSeen_ = true;
      openRoot(responseHeaderSchema(), false);
    } else if (depth_ == 3 && section_ == Section::Body && localName == "bodyContent" &&
               !bodyContentSeen_) {
      bodyContentSeen_ = true;
      openRoot(*bodySchema_, true);
    } else {
      skip_ = 1;
    }
  }

  void endElement(xmlParserCtxtPtr ctxt) {
    kinds_ = savedKinds_.back();
    savedKinds_.pop_back();
    setNode();
    if (skip_ > 0) {
      --skip_;
    } else if (frames_.size() > 1) {
      closeChild();
    } else if (frames_.size() == 1) {
      closeRoot();
    } else if (depth_ == 2) {
      section_ = Section::None;
    }
    if (--depth_ == 0) ctxt->node = nullptr;
  }

  void characters(const char* text, std::size_t size) {
    // A text node of the element (the tree would have made or extended one).
    if ((kinds_ & kHasChildren) == 0) {
      kinds_ = kHasChildren | kFirstIsText | kLastIsText;
    } else {
      kinds_ |= kLastIsText;
    }
    setNode();
    if (skip_ == 0 && !frames_.empty()) {
      const Frame& f = frames_.back();
      if (f.collect && !f.hasElements) text_.append(text, size);
    }
  }

  // A comment or processing instruction: no content, but a child node of the element.
  void otherNode() {
    if (depth_ == 0) return;
    childNode();
    setNode();
  }

  // --- the answer ---------------------------------------------------------------------------

  // After a well-formed parse: the document element, header/response and its result, then (on
  // SUCCESS) bodyContent, each part's first error.
  Result<Answer> finish() {
    Answer& answer = *answer_;
    if (!rootIsMessage_) {
      return badAnswer("answer is not a WebEx message (document element <" +
                       std::string(rootName_.substr(0, 40)) + ">)");
    }
    if (!responseSeen_) return badAnswer("answer has no header/response");
    if (headerFailed_) return badAnswer(std::move(headerError_));
    auto result = answer.header.FindMember("result");
    if (result == answer.header.MemberEnd() || !result->value.IsString()) {
      return badAnswer("answer has no header/response/result");
    }
    std::string_view resultText(result->value.GetString(), result->value.GetStringLength());
    if (resultText == "FAILURE") return std::move(answer);
    if (resultText != "SUCCESS") {
      return badAnswer("answer has result " + quoted(resultText) + ", neither SUCCESS nor FAILURE");
    }
    answer.success = true;
    if (!bodyContentSeen_) return badAnswer("SUCCESS answer has no body/bodyContent");
    if (bodyFailed_) return badAnswer(std::move(bodyError_));
    answer.body = std::move(body_);
    return std::move(answer);
  }

 private:
  enum class Section : std::uint8_t { None, Header, Body };

  // The children the tree would have given the current element, as libxml2's blank-text
  // heuristic (XML_PARSE_NOBLANKS) reads them: ctxt->node's first and last child.
  static constexpr std::uint8_t kHasChildren = 1;
  static constexpr std::uint8_t kFirstIsText = 2;
  static constexpr std::uint8_t kLastIsText = 4;

  void childNode() {
    if ((kinds_ & kHasChildren) == 0) {
      kinds_ = kHasChildren;
    } else {
      kinds_ &= static_cast<std::uint8_t>(~kLastIsText);
    }
  }

  void setNode() {
    if ((kinds_ & kHasChildren) == 0) {
      node_.children = nullptr;
      node_.last = nullptr;
      return;
    }
    node_.children = (kinds_ & kFirstIsText) != 0 ? &textChild_ : &otherChild_;
    node_.last = (kinds_ & kLastIsText) != 0 ? &textChild_ : &otherChild_;
  }

  // --- normalization ------------------------------------------------------------------------

  void openRoot(const Container& schema, bool isBody) {
    Frame& root = frames_.emplace_back();
    root.schema = &schema;
    root.value.SetObject();
    isBody_ = isBody;
    if (isBody) root.session = openSession();
  }

  int openSession() {
    Session& s = sessions_.emplace_back();
    s.firstPending = pending_.size();
    return static_cast<int>(sessions_.size() - 1);
  }

  const Field* find(Frame& f, std::string_view name) {
    // Elements come in table order: the lookup starts after the last field found.
    const std::span<const Field> fields = f.schema->fields;
    const std::size_t n = fields.size();
    for (std::size_t i = f.hint; i < n; ++i) {
      if (fields[i].name == name) {
        f.hint = i + 1;
        return &fields[i];
      }
    }
    for (std::size_t i = 0; i < f.hint && i < n; ++i) {
      if (fields[i].name == name) {
        f.hint = i + 1;
        return &fields[i];
      }
    }
    return nullptr;
  }

  // An element inside a normalized part (not its root).
  void child(std::string_view localName) {
    if (failed()) {
      skip_ = 1;
      return;
    }
    Frame* parent = &frames_.back();
    if (parent->kind == Kind::Leaf) {
      fail("field " + path() + " holds elements where text was expected", depth_ - 3);
      return;
    }
    if (!parent->hasElements) {
      parent->hasElements = true;
      if (parent->kind == Kind::Open) parent->value.SetObject();
    }
    if (depth_ > kMaxXmlDepth) {
      fail("answer nests elements deeper than " + std::to_string(kMaxXmlDepth) + " levels",
           depth_ - 3);
      return;
    }
    const std::string_view name = canonicalName(localName);
    const Field* field = parent->kind == Kind::Container ? find(*parent, name) : nullptr;
    const int parentSession = parent->session;
    const int parentScheduleOf = parent->scheduleOf;
    Frame& f = frames_.emplace_back();  // `parent` is not used after this
    f.name = name;
    f.field = field;
    if (field == nullptr || field->type == FieldType::Open) {
      f.kind = Kind::Open;
      f.collect = true;
    } else if (field->type == FieldType::Container) {
      f.kind = Kind::Container;
      f.schema = field->children;
      f.value.SetObject();
      if (field->sessionRoot) f.session = openSession();
    } else {
      f.kind = Kind::Leaf;
      f.collect = true;
    }
    // The time zone sources of the enclosing session (local names, as WebEx writes them).
    if (parentSession >= 0) {
      Session& s = sessions_[static_cast<std::size_t>(parentSession)];
      if (localName == "schedule") {
        if (!s.scheduleSeen) {
          s.scheduleSeen = true;
          f.scheduleOf = parentSession;
        }
      } else {
        zoneSource(f, s.own, localName, {parentSession, false, false});
      }
    }
    if (parentScheduleOf >= 0) {
      Session& s = sessions_[static_cast<std::size_t>(parentScheduleOf)];
      zoneSource(f, s.schedule, localName, {parentScheduleOf, true, false});
    }
    text_.clear();
  }

  static void zoneSource(Frame& f, ZoneSource& source, std::string_view localName,
                         ZoneTarget target) {
    if (localName == "timeZone") {
      if (source.labelSeen) return;
      source.labelSeen = true;
      target.label = true;
    } else if (localName == "timeZoneID") {
      if (source.idSeen) return;
      source.idSeen = true;
    } else {
      return;
    }
    f.zone[f.zones++] = target;
    f.collect = true;
  }

  // A time zone source closes: what its text says (nothing when it holds elements).
  void readZone(const Frame& f) {
    if (f.hasElements) return;
    const std::string_view text = trim(text_);
    for (std::uint8_t i = 0; i < f.zones; ++i) {
      const ZoneTarget& target = f.zone[i];
      Session& s = sessions_[static_cast<std::size_t>(target.session)];
      ZoneSource& source = target.schedule ? s.schedule : s.own;
      if (target.label) {
        source.label = offsetFromTimeZoneLabel(text);
        // The schedule's label comes first of all sources: the offset is known for good.
        if (target.schedule && source.label && !s.final) {
          s.final = true;
          completeAttached(static_cast<std::size_t>(target.session), s.offset());
        }
      } else {
        source.id = parseInt(text);
      }
    }
  }

  void closeChild() {
    Frame& f = frames_.back();
    if (f.zones > 0) readZone(f);
    const Field* field = f.field;
    Json value;
    Json iso;
    bool isoPending = false;
    switch (f.kind) {
      case Kind::Container:
        if (f.session >= 0) closeSession(f);
        value = std::move(f.value);
        break;
      case Kind::Open:
        if (f.hasElements) {
          value = std::move(f.value);
        } else {
          value = jsonString(trim(text_), *alloc_);
        }
        break;
      case Kind::Leaf: {
        const std::string_view text = trim(text_);
        if (field->type == FieldType::String) {
          value = jsonString(text, *alloc_);
          break;
        }
        if (text.empty()) {  // typed and empty: omitted
          frames_.pop_back();
          return;
        }
        if (field->type == FieldType::Bool) {
          auto b = parseBool(text);
          if (!b) return fail("field " + path() + " is not a boolean: " + quoted(text), depth_ - 4);
          value.SetBool(*b);
        } else if (field->type == FieldType::Int) {
          auto i = parseInt(text);
          if (!i) {
            return fail("field " + path() + " is not an integer: " + quoted(text), depth_ - 4);
          }
          value.SetInt64(*i);
        } else {
          auto t = parseWebExDate(text);
          if (!t) {
            return fail("field " + path() + " is not a WebEx date: " + quoted(text), depth_ - 4);
          }
          value = jsonString(text, *alloc_);
          if (!field->repeated) iso = isoValue(*t, isoPending);
        }
        break;
      }
    }
    if (f.kind == Kind::Container && !pending_.empty()) detach(frames_.size() - 1);
    const std::string_view name = f.name;
    Frame& parent = frames_[frames_.size() - 2];
    if (parent.kind == Kind::Open || field == nullptr) {
      addUnknown(parent.value, name, std::move(value));
      frames_.pop_back();
      return;
    }
    if (field->repeated) {
      auto it = parent.value.FindMember(Json(rapidjson::StringRef(name.data(), name.size())));
      if (it == parent.value.MemberEnd()) {
        parent.value.AddMember(key(field->name), Json(rapidjson::kArrayType), *alloc_);
        it = parent.value.MemberEnd() - 1;
      }
      it->value.PushBack(std::move(value), *alloc_);
      frames_.pop_back();
      return;
    }
    const auto index = static_cast<std::size_t>(field - parent.schema->fields.data());
    const bool present =
        index < 64 ? ((parent.added >> index) & 1U) != 0
                   : parent.value.HasMember(Json(rapidjson::StringRef(name.data(), name.size())));
    if (present) return fail("field " + path() + " appears more than once", depth_ - 4);
    if (index < 64) parent.added |= std::uint64_t{1} << index;
    parent.value.AddMember(key(field->name), std::move(value), *alloc_);
    if (!iso.IsNull()) {
      char isoName[128];
      std::string_view isoKey;
      std::string longName;
      if (field->name.size() + kIsoSuffix.size() <= sizeof isoName) {
        std::memcpy(isoName, field->name.data(), field->name.size());
        std::memcpy(isoName + field->name.size(), kIsoSuffix.data(), kIsoSuffix.size());
        isoKey = std::string_view(isoName, field->name.size() + kIsoSuffix.size());
      } else {
        longName = std::string(field->name) + std::string(kIsoSuffix);
        isoKey = longName;
      }
      parent.value.AddMember(jsonString(isoKey, *alloc_), std::move(iso), *alloc_);
      if (isoPending) {
        PendingDate& date = pending_.back();
        date.attached = true;
        date.frame = frames_.size() - 2;
        date.member = parent.value.MemberCount() - 1;
      }
    }
    frames_.pop_back();
  }

  void closeRoot() {
    Frame& root = frames_.front();
    bool& failed = isBody_ ? bodyFailed_ : headerFailed_;
    if (!failed) {
      if (root.session >= 0) closeSession(root);
      (isBody_ ? body_ : answer_->header) = std::move(root.value);
    }
    frames_.clear();
    sessions_.clear();
    pending_.clear();
  }

  // The ISO 8601 companion of a date: final outside a session or once its session's offset is
  // known for good, else a placeholder that the session completes.
  Json isoValue(const WallClock& t, bool& pending) {
    char iso[kMaxIsoDateSize];
    if (sessions_.empty() || sessions_.back().final) {
      const std::optional<int> offset =
          sessions_.empty() ? std::nullopt : sessions_.back().offset();
      return jsonString(std::string_view(iso, formatIsoDate(t, offset, iso)), *alloc_);
    }
    const std::size_t size = formatIsoDate(t, std::nullopt, iso);
    // A constant string in memory of our own: its address identifies it wherever it moves.
    auto* buffer = static_cast<char*>(alloc_->Malloc(size + 1));
    std::memcpy(buffer, iso, size + 1);
    pending_.push_back({buffer, t, 0, 0, false, false});
    pending = true;
    return Json(rapidjson::StringRef(buffer, static_cast<rapidjson::SizeType>(size)));
  }

  // The object of frames_[index] moves into its parent: its placeholders are no longer found
  // by index.
  void detach(std::size_t index) {
    for (PendingDate& date : pending_) {
      if (date.attached && date.frame == index) date.attached = false;
    }
  }

  // The placeholders of sessions_[session] that are still in an open object, completed.
  void completeAttached(std::size_t session, std::optional<int> offset) {
    const std::size_t end =
        session + 1 < sessions_.size() ? sessions_[session + 1].firstPending : pending_.size();
    for (std::size_t i = sessions_[session].firstPending; i < end; ++i) {
      PendingDate& date = pending_[i];
      if (date.done || !date.attached) continue;
      Json& v = frames_[date.frame].value.MemberBegin()[date.member].value;
      // An unknown element of the same name may have turned it into an array since.
      if (!v.IsString() || v.GetString() != date.placeholder) continue;
      v = isoText(date.time, offset);
      date.done = true;
    }
  }

  Json isoText(const WallClock& t, std::optional<int> offset) {
    char iso[kMaxIsoDateSize];
    return jsonString(std::string_view(iso, formatIsoDate(t, offset, iso)), *alloc_);
  }

  // The session root `f` closes: its dates get the offset of its time zone.
  void closeSession(Frame& f) {
    const auto index = static_cast<std::size_t>(f.session);
    Session& s = sessions_[index];
    if (pending_.size() > s.firstPending) {
      const std::optional<int> offset = s.offset();
      completeAttached(index, offset);
      std::size_t left = 0;
      for (std::size_t i = s.firstPending; i < pending_.size(); ++i)
        left += pending_[i].done ? 0 : 1;
      if (left > 0) complete(f.value, s.firstPending, offset, left);
      pending_.resize(s.firstPending);
    }
    sessions_.pop_back();
  }

  // Replaces the placeholders found in `v` by their final (copied) text.
  void complete(Json& v, std::size_t first, std::optional<int> offset, std::size_t& left) {
    if (v.IsObject()) {
      for (auto m = v.MemberBegin(); m != v.MemberEnd() && left > 0; ++m) {
        complete(m->value, first, offset, left);
      }
    } else if (v.IsArray()) {
      for (auto e = v.Begin(); e != v.End() && left > 0; ++e) complete(*e, first, offset, left);
    } else if (v.IsString()) {
      const char* text = v.GetString();
      for (std::size_t i = first; i < pending_.size(); ++i) {
        if (!pending_[i].done && pending_[i].placeholder == text) {
          v = isoText(pending_[i].time, offset);
          pending_[i].done = true;
          --left;
          return;
        }
      }
    }
  }

  Json key(std::string_view tableName) {
    // The table's names are static: referenced, not copied.
    return Json(
        rapidjson::StringRef(tableName.data(), static_cast<rapidjson::SizeType>(tableName.size())));
  }

  // Content that the table does not model: a name that repeats becomes an array.
  void addUnknown(Json& out, std::string_view name, Json value) {
    auto it = out.FindMember(Json(rapidjson::StringRef(name.data(), name.size())));
    if (it == out.MemberEnd()) {
      out.AddMember(jsonString(name, *alloc_), std::move(value), *alloc_);
      return;
    }
    if (!it->value.IsArray()) {
      Json list(rapidjson::kArrayType);
      list.PushBack(std::move(it->value), *alloc_);
      it->value = std::move(list);
    }
    it->value.PushBack(std::move(value), *alloc_);
  }

  bool failed() const { return isBody_ ? bodyFailed_ : headerFailed_; }

  // The dotted path of the innermost open element below the root.
  std::string path() const {
    std::string out;
    for (std::size_t i = 1; i < frames_.size(); ++i) {
      if (i > 1) out += '.';
      out.append(frames_[i].name);
    }
    return out;
  }

  // The part being normalized failed: the rest of it (`openAbove` elements still open below
  // its root) is skipped, the document is still read to its end (a malformed document is
  // reported as such, whatever the part held).
  void fail(std::string message, int openAbove) {
    if (isBody_) {
      bodyFailed_ = true;
      bodyError_ = std::move(message);
    } else {
      headerFailed_ = true;
      headerError_ = std::move(message);
    }
    frames_.resize(1);
    sessions_.clear();
    pending_.clear();
    skip_ = openAbove;
  }

  const Container* bodySchema_ = nullptr;
  JsonAlloc* alloc_ = nullptr;
  Answer* answer_ = nullptr;
  Json body_;

  int depth_ = 0;  // elements open
  int skip_ = 0;   // elements open whose content is not normalized
  Section section_ = Section::None;
  std::string_view rootName_;
  bool rootIsMessage_ = false;
  bool headerSeen_ = false;
  bool bodySeen_ = false;
  bool responseSeen_ = false;
  bool bodyContentSeen_ = false;
  bool isBody_ = false;  // the part being normalized
  bool headerFailed_ = false;
  bool bodyFailed_ = false;
  std::string headerError_;
  std::string bodyError_;

  std::vector<Frame> frames_;  // [0]: response or bodyContent
  std::vector<Session> sessions_;
  std::vector<PendingDate> pending_;
  std::string text_;

  std::uint8_t kinds_ = 0;
  std::vector<std::uint8_t> savedKinds_;
  xmlNode node_{};
  xmlNode textChild_{};
  xmlNode otherChild_{};
};

// --- guarded parse -------------------------------------------------------------------------

struct ParseState {
  Streamer* streamer = nullptr;
  bool doctype = false;
  bool haveError = false;
  int errorLine = 0;
  std::string errorMessage;
  std::exception_ptr exception;  // thrown by a callback (out of memory): rethrown after the parse

  void record(const xmlError* error) {
    if (haveError || error == nullptr || error->level < XML_ERR_ERROR) return;
    haveError = true;
    errorLine = error->line;
    errorMessage = error->message != nullptr ? error->message : "unknown error";
    while (!errorMessage.empty() && (errorMessage.back() == '\n' || errorMessage.back() == ' ')) {
      errorMessage.pop_back();
    }
    if (errorMessage.size() > 200) errorMessage.resize(200);
  }
};

ParseState* stateOf(void* parserContext) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(parserContext);
  return ctxt != nullptr ? static_cast<ParseState*>(ctxt->_private) : nullptr;
}

// Runs a SAX event; an exception stops the parser and is rethrown by readAnswer.
template <class Fn>
void guarded(void* userData, Fn fn) {
  ParseState* state = stateOf(userData);
  if (state == nullptr || state->exception) return;
  try {
    fn(static_cast<xmlParserCtxtPtr>(userData), *state->streamer);
  } catch (...) {
    state->exception = std::current_exception();
    xmlStopParser(static_cast<xmlParserCtxtPtr>(userData));
  }
}

void onStartElement(void* userData, const xmlChar* localName, const xmlChar*, const xmlChar*, int,
                    const xmlChar**, int, int, const xmlChar**) {
  guarded(userData, [localName](xmlParserCtxtPtr ctxt, Streamer& s) {
    s.startElement(ctxt, view(localName));
  });
}

void onEndElement(void* userData, const xmlChar*, const xmlChar*, const xmlChar*) {
  guarded(userData, [](xmlParserCtxtPtr ctxt, Streamer& s) { s.endElement(ctxt); });
}

void onCharacters(void* userData, const xmlChar* text, int size) {
  guarded(userData, [text, size](xmlParserCtxtPtr, Streamer& s) {
    s.characters(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
  });
}

void onComment(void* userData, const xmlChar*) {
  guarded(userData, [](xmlParserCtxtPtr, Streamer& s) { s.otherNode(); });
}

void onProcessingInstruction(void* userData, const xmlChar*, const xmlChar*) {
  guarded(userData, [](xmlParserCtxtPtr, Streamer& s) { s.otherNode(); });
}

// SAX serror: `userData` is the parser context.
void onParserError(void* userData, xmlErrorPtr error) {
  if (ParseState* state = stateOf(userData)) state->record(error);
}

// Errors raised outside the parser context (encoding conversion...): this thread's handler.
void onThreadError(void* data, xmlErrorPtr error) {
  static_cast<ParseState*>(data)->record(error);
}

void onGenericError(void*, const char*, ...) {}

// A DOCTYPE (internal subset or not) is refused before its declarations are read: WebEx never
// sends one, and refusing it stops every entity trick (billion laughs, external entities).
void onInternalSubset(void* userData, const xmlChar*, const xmlChar*, const xmlChar*) {
  if (ParseState* state = stateOf(userData)) state->doctype = true;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(userData));
}

void onEntityDecl(void* userData, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
  if (ParseState* state = stateOf(userData)) state->doctype = true;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(userData));
}

// Routes this thread's libxml2 error output to `state` for the scope's lifetime (the handlers
// are thread-local in libxml2: other threads are unaffected).
class ThreadErrorScope {
 public:
  explicit ThreadErrorScope(ParseState* state)
      : structured_(xmlStructuredError),
        structuredContext_(xmlStructuredErrorContext),
        generic_(xmlGenericError),
        genericContext_(xmlGenericErrorContext) {
    xmlSetStructuredErrorFunc(state, onThreadError);
    xmlSetGenericErrorFunc(nullptr, onGenericError);
  }
  ~ThreadErrorScope() {
    xmlSetStructuredErrorFunc(structuredContext_, structured_);
    xmlSetGenericErrorFunc(genericContext_, generic_);
  }
  ThreadErrorScope(const ThreadErrorScope&) = delete;
  ThreadErrorScope& operator=(const ThreadErrorScope&) = delete;

 private:
  xmlStructuredErrorFunc structured_;
  void* structuredContext_;
  xmlGenericErrorFunc generic_;
  void* genericContext_;
};

struct CtxtDeleter {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

// The SAX handlers: no tree, no document; only namespaced element events (SAX2), text, and
// the nodes that the blank-text heuristic counts. Never an entity or DTD handler.
void installHandlers(xmlSAXHandler& sax) {
  sax = xmlSAXHandler{};
  sax.initialized = XML_SAX2_MAGIC;
  sax.startElementNs = onStartElement;
  sax.endElementNs = onEndElement;
  sax.characters = onCharacters;
  sax.comment = onComment;
  sax.processingInstruction = onProcessingInstruction;
  sax.serror = onParserError;
  sax.internalSubset = onInternalSubset;
  sax.entityDecl = onEntityDecl;
}

}  // namespace

Result<Answer> readAnswer(std::string_view xml, const Container& bodySchema, JsonAlloc& alloc) {
  ensureXmlInitialized();
  if (xml.size() > kMaxXmlBytes) {
    return badAnswer("answer of " + std::to_string(xml.size()) + " bytes is over the " +
                     std::to_string(kMaxXmlBytes) + " byte limit");
  }
  // One parser context per thread, reused (xmlCtxtReadMemory resets it): creating one, with
  // its dictionary, SAX table and stacks, was ~10 % of a WebEx answer's parse. Its dictionary
  // keeps the element names seen, so a context that has seen many is replaced.
  constexpr int kMaxDictNames = 4096;
  thread_local std::unique_ptr<xmlParserCtxt, CtxtDeleter> reused;
  thread_local Streamer streamer;
  if (reused && (reused->dict == nullptr || xmlDictSize(reused->dict) > kMaxDictNames)) {
    reused.reset();
  }
  if (!reused) {
    reused.reset(xmlNewParserCtxt());
    if (!reused || reused->sax == nullptr) {
      reused.reset();
      return Error::make(ErrorCode::Internal, "WebEx: cannot create an XML parser");
    }
    installHandlers(*reused->sax);
  }
  xmlParserCtxt* const ctxt = reused.get();
  Answer answer;
  streamer.reset(bodySchema, alloc, answer);
  ParseState state;
  state.streamer = &streamer;
  ctxt->_private = &state;
  struct Detach {  // the context outlives `state`
    xmlParserCtxt* c;
    ~Detach() {
      c->_private = nullptr;
      c->node = nullptr;
    }
  } detach{ctxt};

  {
    ThreadErrorScope scope(&state);
    // Never XML_PARSE_NOENT (entity substitution), XML_PARSE_DTDLOAD or XML_PARSE_HUGE (its
    // 256-level depth limit stays). No document is built: the SAX table has no tree handlers.
    xmlDocPtr doc =
        xmlCtxtReadMemory(ctxt, xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                          XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOBLANKS);
    if (doc != nullptr) xmlFreeDoc(doc);  // never made without a startDocument handler
  }
  if (state.exception) std::rethrow_exception(state.exception);
  if (state.doctype) return badAnswer("refused XML from upstream: it has a DOCTYPE declaration");
  if (!ctxt->wellFormed || !ctxt->nsWellFormed) {
    if (state.haveError) {
      return badAnswer("malformed XML from upstream at line " + std::to_string(state.errorLine) +
                       ": " + state.errorMessage);
    }
    return badAnswer("malformed XML from upstream");
  }
  return streamer.finish();
}

}  // namespace flowgate::webex

#include "connectors/webex/fields.hpp"

namespace flowgate::webex {

namespace {

// Sources: the WebEx XML API reference (training session service) and the schema-generated
// classes of nabeelmukhtar/webex-java-sdk (propOrder = schema order). Extensions of a base type
// list the base type's elements first, as XML Schema does.

constexpr Field str(std::string_view name) {
  return {name, FieldType::String};
}
constexpr Field boolean(std::string_view name) {
  return {name, FieldType::Bool};
}
constexpr Field integer(std::string_view name) {
  return {name, FieldType::Int};
}
constexpr Field date(std::string_view name) {
  return {name, FieldType::Date};
}
constexpr Field open(std::string_view name) {
  return {name, FieldType::Open};
}
constexpr Field block(std::string_view name, const Container& children) {
  return {name, FieldType::Container, false, &children};
}
constexpr Field list(Field field) {
  field.repeated = true;
  return field;
}
constexpr Field readOnly(Field field) {
  field.responseOnly = true;
  return field;
}
constexpr Field sessionRoot(Field field) {
  field.sessionRoot = true;
  return field;
}

// --- com: (common) -------------------------------------------------------------------------
constexpr Field kAddress[] = {str("addressType"), str("address1"), str("address2"), str("city"),
                              str("state"),       str("zipCode"),  str("country")};
constexpr Container kAddressC{"address field", kAddress};

constexpr Field kPhones[] = {str("phone"), str("mobilePhone"), str("fax")};
constexpr Container kPhonesC{"phones field", kPhones};

constexpr Field kPerson[] = {str("name"),
                             str("firstName"),
                             str("lastName"),
                             str("title"),
                             str("company"),
                             str("webExId"),
                             block("address", kAddressC),
                             block("phones", kPhonesC),
                             str("email"),
                             str("notes"),
                             str("url"),
                             str("type")};
constexpr Container kPersonC{"person field", kPerson};

constexpr Field kTracking[] = {str("trackingCode1"), str("trackingCode2"), str("trackingCode3"),
                               str("trackingCode4"), str("trackingCode5"), str("trackingCode6"),
                               str("trackingCode7"), str("trackingCode8"), str("trackingCode9"),
                               str("trackingCode10")};
constexpr Container kTrackingC{"tracking field", kTracking};

// --- sess: (session) -----------------------------------------------------------------------
constexpr Field kAccessControl[] = {str("listing"), str("sessionPassword"),
                                    boolean("enforcePassword")};
constexpr Container kAccessControlC{"access control field", kAccessControl};

// timeZone is the label WebEx derives from timeZoneID: read, never sent (sending both could
// contradict each other after a client changed only timeZoneID).
constexpr Field kSchedule[] = {date("startDate"),    readOnly(str("timeZone")),
                               integer("duration"),  integer("timeZoneID"),
                               str("hostWebExID"),   integer("openTime"),
                               str("extURL"),        integer("extNotifyTime"),
                               str("joinNotifyURL"), boolean("joinTeleconfBeforeHost"),
                               str("entryExitTone"), str("destinationURL")};
constexpr Container kScheduleC{"schedule field", kSchedule};

constexpr Field kTelephony[] = {str("telephonySupport"),
                                integer("numPhoneLines"),
                                str("extTelephonyURL"),
                                str("extTelephonyDescription"),
                                boolean("enableTSP"),
                                integer("tspAccountIndex"),
                                integer("personalAccountIndex"),
                                boolean("intlLocalCallIn"),
                                str("teleconfLocation"),
                                open("callInNum"),
                                open("tspConference"),
                                open("tspAccessCodeOrder"),
                                boolean("tollFree")};
constexpr Container kTelephonyC{"telephony field", kTelephony};

constexpr Field kEmails[] = {list(str("email"))};
constexpr Container kEmailsC{"emails field", kEmails};

constexpr Field kRemind[] = {boolean("enableReminder"), block("emails", kEmailsC),
                             boolean("sendEmail"),      str("mobile"),
                             boolean("sendMobile"),     integer("daysAhead"),
                             integer("hoursAhead"),     integer("minutesAhead")};
constexpr Container kRemindC{"remind field", kRemind};

// contactID is a long: kept as a string like every key.
constexpr Field kParticipant[] = {block("person", kPersonC), str("contactID"), str("joinStatus"),
                                  str("role")};
constexpr Container kParticipantC{"participant field", kParticipant};

constexpr Field kParticipantList[] = {list(block("participant", kParticipantC))};
constexpr Container kParticipantListC{"participants field", kParticipantList};

constexpr Field kParticipants[] = {integer("maxUserNumber"),
                                   block("participants", kParticipantListC)};
constexpr Container kParticipantsC{"participants field", kParticipants};

// --- train: (training session) -------------------------------------------------------------
constexpr Field kMetaData[] = {str("confName"),         str("agenda"),
                               str("description"),      str("greeting"),
                               str("location"),         str("invitation"),
                               integer("sessionType"),  boolean("defaultHighestMT"),
                               open("sessionTemplate"), boolean("enableGreeting")};
constexpr Container kMetaDataC{"meta data field", kMetaData};

constexpr Field kEnableOptions[] = {
    boolean("attendeeList"),
    boolean("javaClient"),
    boolean("nativeClient"),
    boolean("chat"),
    boolean("poll"),
    boolean("audioVideo"),
    boolean("fileShare"),
    boolean("presentation"),
    boolean("applicationShare"),
    boolean("desktopShare"),
    boolean("webTour"),
    boolean("trainingSessionRecord"),
    boolean("annotation"),
    boolean("importDocument"),
    boolean("saveDocument"),
    boolean("printDocument"),
    boolean("pointer"),
    boolean("switchPage"),
    boolean("fullScreen"),
    boolean("thumbnail"),
    boolean("zoom"),
    boolean("copyPage"),
    boolean("rcAppShare"),
    boolean("rcDesktopShare"),
    boolean("rcWebTour"),
    boolean("attendeeRecordTrainingSession"),
    boolean("voip"),
    boolean("faxIntoTrainingSession"),
    boolean("autoDeleteAfterMeetingEnd"),
    boolean("displayQuickStartHost"),
    boolean("displayQuickStartAttendees"),
    boolean("supportQandA"),
    boolean("supportFeedback"),
    boolean("supportBreakoutSessions"),
    boolean("supportRemoteComputer"),
    boolean("supportShareWebContent"),
    boolean("supportUCFRichMedia"),
    boolean("networkBasedRecord"),
    boolean("presenterBreakoutSession"),
    boolean("attendeeBreakoutSession"),
    boolean("supportPanelists"),
    boolean("muteOnEntry"),
    boolean("multiVideo"),
    boolean("veryLargeSess"),
};
constexpr Container kEnableOptionsC{"enable options field", kEnableOptions};

constexpr Field kDayInWeek[] = {list(str("day"))};
constexpr Container kDayInWeekC{"dayInWeek field", kDayInWeek};

constexpr Field kRepeatSession[] = {str("action"), integer("index"), date("startDate")};
constexpr Container kRepeatSessionC{"repeatSession field", kRepeatSession};

constexpr Field kRepeat[] = {str("repeatType"),
                             date("expirationDate"),
                             block("dayInWeek", kDayInWeekC),
                             integer("endAfter"),
                             str("occurenceType"),
                             integer("interval"),
                             integer("dayInMonth"),
                             integer("weekInMonth"),
                             integer("monthInYear"),
                             integer("dayInYear"),
                             list(block("repeatSession", kRepeatSessionC))};
constexpr Container kRepeatC{"repeat field", kRepeat};

constexpr Field kAttendeeOptions[] = {
    boolean("request"),          boolean("registration"),     boolean("auto"),
    str("registrationPWD"),      integer("maxRegistrations"), date("registrationCloseDate"),
    boolean("emailInvitations"), integer("participantLimit")};
constexpr Container kAttendeeOptionsC{"attendee options field", kAttendeeOptions};

constexpr Field kHandsOnLab[] = {boolean("reserveHOL"), str("labName"), integer("numComputers")};
constexpr Container kHandsOnLabC{"hands-on lab field", kHandsOnLab};

constexpr Field kPreAssignBreakout[] = {boolean("enable"), str("attendeeAssign"),
                                        integer("numSessions"), integer("attendeesPerSess")};
constexpr Container kPreAssignBreakoutC{"preAssignBreakout field", kPreAssignBreakout};

// sessionType (accessControl, schedule) + trainingSessionType (metaData .. preAssignBreakout)
// + trainingSessionInstanceType (sessionKey, status) + what GetTrainingSession adds.
constexpr Field kSession[] = {
    block("accessControl", kAccessControlC),
    block("schedule", kScheduleC),
    block("metaData", kMetaDataC),
    block("enableOptions", kEnableOptionsC),
    block("telephony", kTelephonyC),
    block("tracking", kTrackingC),
    block("repeat", kRepeatC),
    block("remind", kRemindC),
    block("presenters", kParticipantsC),
    block("attendees", kParticipantsC),
    block("attendeeOptions", kAttendeeOptionsC),
    block("handsOnLab", kHandsOnLabC),
    open("psoFields"),
    open("assistService"),
    block("preAssignBreakout", kPreAssignBreakoutC),
    readOnly(str("sessionKey")),
    readOnly(str("status")),
    readOnly(str("eventID")),
    readOnly(str("guestToken")),
    readOnly(str("hostType")),
};
constexpr Container kSessionC{"training session field", kSession};

constexpr Field kSummary[] = {str("sessionKey"),   str("confName"),         integer("meetingType"),
                              str("hostWebExID"),  str("otherHostWebExID"), integer("timeZoneID"),
                              str("timeZone"),     str("status"),           date("startDate"),
                              integer("duration"), str("listStatus")};
constexpr Container kSummaryC{"training session summary field", kSummary};

constexpr Field kMatchingRecords[] = {integer("total"), integer("returned"), integer("startFrom")};
constexpr Container kMatchingRecordsC{"matchingRecords field", kMatchingRecords};

constexpr Field kSessionList[] = {block("matchingRecords", kMatchingRecordsC),
                                  list(sessionRoot(block("trainingSession", kSummaryC)))};
constexpr Container kSessionListC{"session list field", kSessionList};

constexpr Field kAdditionalInfo[] = {str("sessionKey"), str("guestToken")};
constexpr Container kAdditionalInfoC{"additionalInfo field", kAdditionalInfo};

constexpr Field kCreateAnswer[] = {str("sessionKey"), block("additionalInfo", kAdditionalInfoC)};
constexpr Container kCreateAnswerC{"create answer field", kCreateAnswer};

constexpr Container kEmptyC{"field", {}};

// --- serv: (service) -----------------------------------------------------------------------
constexpr Field kSubError[] = {str("exceptionID"), str("reason"), str("value")};
constexpr Container kSubErrorC{"subError field", kSubError};

constexpr Field kSubErrors[] = {list(block("subError", kSubErrorC))};
constexpr Container kSubErrorsC{"subErrors field", kSubErrors};

constexpr Field kResponseHeader[] = {str("result"), str("reason"), str("gsbStatus"),
                                     str("exceptionID"), block("subErrors", kSubErrorsC)};
constexpr Container kResponseHeaderC{"response header field", kResponseHeader};

constexpr Field kDateScope[] = {date("startDateStart"), date("startDateEnd"), date("endDateStart"),
                                date("endDateEnd"), integer("timeZoneID")};
constexpr Container kDateScopeC{"date scope field", kDateScope};

}  // namespace

const Field* Container::find(std::string_view name) const {
  for (const Field& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const Container& sessionSchema() {
  return kSessionC;
}
const Container& sessionListSchema() {
  return kSessionListC;
}
const Container& createAnswerSchema() {
  return kCreateAnswerC;
}
const Container& emptySchema() {
  return kEmptyC;
}
const Container& responseHeaderSchema() {
  return kResponseHeaderC;
}
const Container& dateScopeSchema() {
  return kDateScopeC;
}

std::string_view canonicalName(std::string_view localName) {
  if (localName == "sessionkey") return "sessionKey";
  return localName;
}

}  // namespace flowgate::webex

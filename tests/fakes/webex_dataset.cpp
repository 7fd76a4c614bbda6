// Seed data of the WebEx XML API fake: users, the time zone table and the training sessions.
#include "tests/fakes/webex_dataset.hpp"

namespace flowgate::fakes {

namespace {

// Each session is the bodyContent of a GetTrainingSession answer: the first is the seed
// document's own sample (000_a0224f02e4e0d58d.txt) verbatim, line breaks inside values included,
// with its `<tain:maxRegistrations>` typo corrected.
constexpr std::string_view kSeedSession76736484 = R"xml(<serv:bodyContent
 xmlns:serv="http://www.webex.com/schemas/2002/06/service"
 xmlns:com="http://www.webex.com/schemas/2002/06/common"
 xmlns:sess="http://www.webex.com/schemas/2002/06/service/session"
 xmlns:train="http://www.webex.com/schemas/2002/06/service/trainingsession">
<sess:accessControl>
<sess:listing>PUBLIC</sess:listing>
<sess:sessionPassword>111111</sess:sessionPassword>
</sess:accessControl>
<sess:schedule>
<sess:startDate>04/11/2004 10:00:00</sess:startDate>
<sess:timeZone>GMT+08:00, Australia Western (Perth)
</sess:timeZone>
<sess:duration>60</sess:duration>
<sess:timeZoneID>46</sess:timeZoneID>
<sess:hostWebExID>hostid</sess:hostWebExID>
<sess:openTime>20</sess:openTime>
<sess:extNotifyTime></sess:extNotifyTime>
<sess:joinTeleconfBeforeHost>false</sess:joinTeleconfBeforeHost>
</sess:schedule>
<train:metaData>
<sess:confName>jimz hol test</sess:confName>
<train:agenda>agenda 1</train:agenda>
<train:description>description</train:description>
<train:location>location</train:location>
<train:invitation>invitation;</train:invitation>
</train:metaData>
<train:enableOptions>
<sess:attendeeList>false</sess:attendeeList>
<sess:javaClient>false</sess:javaClient>
<sess:nativeClient>true</sess:nativeClient>
<train:chat>false</train:chat>
<train:poll>false</train:poll>
<train:audioVideo>false</train:audioVideo>
<train:fileShare>false</train:fileShare>
<train:presentation>false</train:presentation>
<train:applicationShare>false</train:applicationShare>
<train:desktopShare>false</train:desktopShare>
<train:webTour>false</train:webTour>
<train:trainingSessionRecord>false</train:trainingSessionRecord>
<train:annotation>false</train:annotation>
<train:importDocument>false</train:importDocument>
<train:saveDocument>false</train:saveDocument>
<train:printDocument>false</train:printDocument>
<train:pointer>false</train:pointer>
<train:switchPage>false</train:switchPage>
<train:fullScreen>false</train:fullScreen>
<train:thumbnail>false</train:thumbnail>
<train:zoom>false</train:zoom>
<train:copyPage>false</train:copyPage>
<train:rcAppShare>false</train:rcAppShare>
<train:rcDesktopShare>false</train:rcDesktopShare>
<train:rcWebTour>false</train:rcWebTour>
<train:attendeeRecordTrainingSession>false
</train:attendeeRecordTrainingSession>
<train:voip>false</train:voip>
<train:faxIntoTrainingSession>false
</train:faxIntoTrainingSession>
<train:autoDeleteAfterMeetingEnd>true
</train:autoDeleteAfterMeetingEnd>
</train:enableOptions>
<train:telephony>
<sess:telephonySupport>NONE</sess:telephonySupport>
<sess:numPhoneLines>4</sess:numPhoneLines>
<sess:extTelephonyURL>String</sess:extTelephonyURL>
<sess:enableTSP>false</sess:enableTSP>
<sess:tspAccountIndex>0</sess:tspAccountIndex>
</train:telephony>
<train:tracking>
<com:trackingCode1>trackingCode1</com:trackingCode1>
<com:trackingCode2>trackingCode2</com:trackingCode2>
<com:trackingCode3>trackingCode3</com:trackingCode3>
<com:trackingCode4>trackingCode4</com:trackingCode4>
<com:trackingCode5>trackingCode5</com:trackingCode5>
<com:trackingCode6>trackingCode6</com:trackingCode6>
<com:trackingCode7>trackingCode7</com:trackingCode7>
<com:trackingCode8>trackingCode8</com:trackingCode8>
<com:trackingCode9>trackingCode9</com:trackingCode9>
<com:trackingCode10>trackingCode10</com:trackingCode10>
</train:tracking>
<train:repeat>
<train:repeatType>RECURRING_SINGLE</train:repeatType>
<train:expirationDate>05/09/2004 10:00:00
</train:expirationDate>
<train:dayInWeek>
<train:day>SUNDAY</train:day>
</train:dayInWeek>
<train:endAfter>5</train:endAfter>
<train:occurenceType>WEEKLY</train:occurenceType>
<train:interval>5</train:interval>
<train:dayInMonth>1</train:dayInMonth>
<train:weekInMonth>1</train:weekInMonth>
</train:repeat>
<train:remind>
<sess:enableReminder>true</sess:enableReminder>
<sess:emails>
<sess:email>String</sess:email>
</sess:emails>
<sess:sendEmail>false</sess:sendEmail>
<sess:mobile>String</sess:mobile>
<sess:sendMobile>true</sess:sendMobile>
<sess:daysAhead>1</sess:daysAhead>
<sess:hoursAhead>1</sess:hoursAhead>
<sess:minutesAhead>1</sess:minutesAhead>
</train:remind>
<train:presenters>
<sess:maxUserNumber>1</sess:maxUserNumber>
<sess:participants>
<sess:participant>
<sess:person>
<com:name>alternatehost3</com:name>
<com:webExId>host3</com:webExId>
<com:address>
<com:addressType>PERSONAL</com:addressType>
</com:address>
<com:phones />
<com:email>host3@test.com</com:email>
<com:type>MEMBER</com:type>
</sess:person>
<sess:contactID>1697837</sess:contactID>
<sess:joinStatus>ACCEPT</sess:joinStatus>
<sess:role>HOST</sess:role>
</sess:participant>
<sess:participant>
<sess:person>
<com:name>alternatehost1</com:name>
<com:webExId>host1</com:webExId>
<com:address>
<com:addressType>PERSONAL</com:addressType>
</com:address>
<com:phones />
<com:email>host1@test.com</com:email>
<com:type>MEMBER</com:type>
</sess:person>
<sess:contactID>1697842</sess:contactID>
<sess:joinStatus>ACCEPT</sess:joinStatus>
<sess:role>HOST</sess:role>
</sess:participant>
</sess:participants>
</train:presenters>
<train:attendees>
<sess:maxUserNumber>4</sess:maxUserNumber>
<sess:participants>
<sess:participant>
<sess:person>
<com:name>attendee004</com:name>
<com:title>String</com:title>
<com:company>String</com:company>
<com:webExId>attendee004</com:webExId>
<com:address>
<com:addressType>PERSONAL</com:addressType>
<com:address1>String</com:address1>
<com:address2>String</com:address2>
<com:city>String</com:city>
<com:state>String</com:state>
<com:zipCode>String</com:zipCode>
<com:country>String</com:country>
</com:address>
<com:phones>
<com:phone>121212</com:phone>
<com:mobilePhone>1122</com:mobilePhone>
<com:fax>12312</com:fax>
</com:phones>
<com:email>attendee004</com:email>
<com:notes>String</com:notes>
<com:type>VISITOR</com:type>
</sess:person>
<sess:contactID>13118048</sess:contactID>
<sess:joinStatus>ACCEPT</sess:joinStatus>
</sess:participant>
</sess:participants>
</train:attendees>
<train:attendeeOptions>
<train:request>true</train:request>
<train:registration>true</train:registration>
<train:auto>true</train:auto>
<train:registrationPWD>pass</train:registrationPWD>
<train:maxRegistrations>10</train:maxRegistrations>
<train:registrationCloseDate>04/10/2004 00:00:00
</train:registrationCloseDate>
</train:attendeeOptions>
<train:handsOnLab>
<train:reserveHOL>false</train:reserveHOL>
<train:numComputers>0</train:numComputers>
</train:handsOnLab>
<train:sessionKey>76736484</train:sessionKey>
<train:status>NOT_INPROGRESS</train:status>
<train:eventID>10765492</train:eventID>
<train:guestToken>ed983acb971117c67e75582507bc1dba</train:guestToken>
<train:hostType>1019001</train:hostType>
</serv:bodyContent>
)xml";

// Another host's session: GetTrainingSession by hostid -> 000001.
constexpr std::string_view kSeedSession11111111 = R"xml(<serv:bodyContent
 xmlns:serv="http://www.webex.com/schemas/2002/06/service"
 xmlns:com="http://www.webex.com/schemas/2002/06/common"
 xmlns:sess="http://www.webex.com/schemas/2002/06/service/session"
 xmlns:train="http://www.webex.com/schemas/2002/06/service/trainingsession">
<sess:accessControl>
<sess:listing>PRIVATE</sess:listing>
<sess:sessionPassword>222222</sess:sessionPassword>
</sess:accessControl>
<sess:schedule>
<sess:startDate>05/20/2004 09:00:00</sess:startDate>
<sess:timeZone>GMT-05:00, Eastern (New York)</sess:timeZone>
<sess:duration>90</sess:duration>
<sess:timeZoneID>11</sess:timeZoneID>
<sess:hostWebExID>otherhost</sess:hostWebExID>
<sess:openTime>15</sess:openTime>
</sess:schedule>
<train:metaData>
<sess:confName>Other host's session</sess:confName>
<train:agenda>not yours</train:agenda>
</train:metaData>
<train:attendeeOptions>
<train:request>false</train:request>
<train:registration>false</train:registration>
<train:auto>false</train:auto>
</train:attendeeOptions>
<train:sessionKey>11111111</train:sessionKey>
<train:status>NOT_INPROGRESS</train:status>
<train:eventID>10765501</train:eventID>
<train:guestToken>0d4c1b2a3f5e6d7c8b9a0f1e2d3c4b5a</train:guestToken>
<train:hostType>1019001</train:hostType>
</serv:bodyContent>
)xml";

// hostid's second session: in progress (DelTrainingSession -> 060042), one participant and
// one repeat day (arrays of one), and a title that must be escaped.
constexpr std::string_view kSeedSession22222222 = R"xml(<serv:bodyContent
 xmlns:serv="http://www.webex.com/schemas/2002/06/service"
 xmlns:com="http://www.webex.com/schemas/2002/06/common"
 xmlns:sess="http://www.webex.com/schemas/2002/06/service/session"
 xmlns:train="http://www.webex.com/schemas/2002/06/service/trainingsession">
<sess:accessControl>
<sess:listing>UNLISTED</sess:listing>
<sess:sessionPassword>P@ss&amp;&lt;1&gt;</sess:sessionPassword>
</sess:accessControl>
<sess:schedule>
<sess:startDate>01/05/2024 09:30:00</sess:startDate>
<sess:timeZone>GMT-05:00, Eastern (New York)</sess:timeZone>
<sess:duration>90</sess:duration>
<sess:timeZoneID>11</sess:timeZoneID>
<sess:hostWebExID>hostid</sess:hostWebExID>
<sess:openTime>10</sess:openTime>
<sess:joinTeleconfBeforeHost>true</sess:joinTeleconfBeforeHost>
</sess:schedule>
<train:metaData>
<sess:confName>R&amp;D &lt;weekly&gt; "sync" &amp; review</sess:confName>
<train:agenda>Roadmap &amp; demos</train:agenda>
<train:description>Weekly R&amp;D sync</train:description>
</train:metaData>
<train:enableOptions>
<sess:attendeeList>true</sess:attendeeList>
<train:chat>true</train:chat>
<train:poll>true</train:poll>
</train:enableOptions>
<train:telephony>
<sess:telephonySupport>CALLIN</sess:telephonySupport>
<sess:numPhoneLines>2</sess:numPhoneLines>
</train:telephony>
<train:tracking>
<com:trackingCode1>0042</com:trackingCode1>
</train:tracking>
<train:repeat>
<train:repeatType>RECURRING_SINGLE</train:repeatType>
<train:expirationDate>03/29/2024 09:30:00</train:expirationDate>
<train:dayInWeek>
<train:day>FRIDAY</train:day>
</train:dayInWeek>
<train:endAfter>12</train:endAfter>
<train:occurenceType>WEEKLY</train:occurenceType>
<train:interval>1</train:interval>
</train:repeat>
<train:remind>
<sess:enableReminder>true</sess:enableReminder>
<sess:emails>
<sess:email>johnsmith@xyz.com</sess:email>
</sess:emails>
<sess:minutesAhead>15</sess:minutesAhead>
</train:remind>
<train:presenters>
<sess:maxUserNumber>1</sess:maxUserNumber>
<sess:participants>
<sess:participant>
<sess:person>
<com:name>John Smith</com:name>
<com:webExId>hostid</com:webExId>
<com:phones>
<com:phone>+1 (555) 0100</com:phone>
</com:phones>
<com:email>johnsmith@xyz.com</com:email>
<com:type>MEMBER</com:type>
</sess:person>
<sess:contactID>1697900</sess:contactID>
<sess:joinStatus>ACCEPT</sess:joinStatus>
<sess:role>HOST</sess:role>
</sess:participant>
</sess:participants>
</train:presenters>
<train:attendees>
<sess:maxUserNumber>25</sess:maxUserNumber>
<sess:participants>
<sess:participant>
<sess:person>
<com:name>Ana Attendee</com:name>
<com:address>
<com:addressType>PERSONAL</com:addressType>
<com:zipCode>01234</com:zipCode>
</com:address>
<com:email>ana@example.com</com:email>
<com:type>VISITOR</com:type>
</sess:person>
<sess:contactID>13118100</sess:contactID>
<sess:joinStatus>INVITE</sess:joinStatus>
</sess:participant>
</sess:participants>
</train:attendees>
<train:attendeeOptions>
<train:request>false</train:request>
<train:registration>true</train:registration>
<train:auto>true</train:auto>
<train:registrationPWD>r&amp;d</train:registrationPWD>
<train:maxRegistrations>25</train:maxRegistrations>
<train:registrationCloseDate>01/05/2024 09:00:00</train:registrationCloseDate>
</train:attendeeOptions>
<train:handsOnLab>
<train:reserveHOL>false</train:reserveHOL>
<train:numComputers>0</train:numComputers>
</train:handsOnLab>
<train:sessionKey>22222222</train:sessionKey>
<train:status>INPROGRESS</train:status>
<train:eventID>10765555</train:eventID>
<train:guestToken>5f2b9c3e1a7d4e6f8091a2b3c4d5e6f7</train:guestToken>
<train:hostType>1019001</train:hostType>
</serv:bodyContent>
)xml";

struct TimeZone {
  long long id;
  std::string_view name;
};

// WebEx's zone table (the ids used by the docs and the spec; labels as WebEx writes them).
constexpr TimeZone kTimeZones[] = {
    {0, "GMT-12:00, Dateline (Eniwetok)"},
    {1, "GMT-11:00, Samoa (Samoa)"},
    {2, "GMT-10:00, Hawaii (Honolulu)"},
    {3, "GMT-09:00, Alaska (Anchorage)"},
    {4, "GMT-08:00, Pacific (San Jose)"},
    {5, "GMT-07:00, Mountain (Arizona)"},
    {6, "GMT-07:00, Mountain (Denver)"},
    {7, "GMT-06:00, Central (Chicago)"},
    {8, "GMT-06:00, Mexico (Mexico City,Tegucigalpa)"},
    {9, "GMT-06:00, Central (Regina)"},
    {10, "GMT-05:00, S. America Pacific (Bogota)"},
    {11, "GMT-05:00, Eastern (New York)"},
    {12, "GMT-05:00, Eastern (Indiana)"},
    {13, "GMT-04:00, Atlantic (Halifax)"},
    {14, "GMT-04:00, S. America Western (Caracas)"},
    {15, "GMT-03:30, Newfoundland (Newfoundland)"},
    {16, "GMT-03:00, S. America Eastern (Brasilia)"},
    {17, "GMT-03:00, S. America Eastern (Buenos Aires)"},
    {18, "GMT-02:00, Mid-Atlantic (Mid-Atlantic)"},
    {19, "GMT-01:00, Azores (Azores)"},
    {20, "GMT+00:00, Greenwich (Casablanca)"},
    {21, "GMT+00:00, GMT (London)"},
    {22, "GMT+01:00, Europe (Amsterdam)"},
    {23, "GMT+01:00, Europe (Paris)"},
    {26, "GMT+02:00, Greece (Athens)"},
    {33, "GMT+03:00, Russian (Moscow)"},
    {41, "GMT+05:30, India (Bombay)"},
    {45, "GMT+08:00, China (Beijing)"},
    {46, "GMT+08:00, Australia Western (Perth)"},
    {47, "GMT+08:00, Singapore (Singapore)"},
    {49, "GMT+09:00, Tokyo (Tokyo)"},
};

}  // namespace

const std::vector<WebExUser>& webexSeedUsers() {
  static const std::vector<WebExUser> users = {
      {"hostid",
       "hostpassword",
       "johnsmith@xyz.com",
       {"valid-access-token"},
       {"valid-session-ticket"}},
      {"otherhost", "otherpassword", "otherhost@xyz.com", {}, {}},
  };
  return users;
}

const std::vector<std::string_view>& webexSeedSessionDocuments() {
  static const std::vector<std::string_view> documents = {
      kSeedSession76736484, kSeedSession11111111, kSeedSession22222222};
  return documents;
}

std::string_view webexTimeZoneName(long long timeZoneId) {
  for (const auto& zone : kTimeZones) {
    if (zone.id == timeZoneId) return zone.name;
  }
  return {};
}

}  // namespace flowgate::fakes

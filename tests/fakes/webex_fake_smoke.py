#!/usr/bin/env python3
"""Contract smoke test of the WebEx XML fake (webex_fake.cpp), stdlib only.

  python3 tests/fakes/webex_fake_smoke.py --fake build/flowgate-fake   # starts and stops it
  python3 tests/fakes/webex_fake_smoke.py http://127.0.0.1:PORT        # a running fake

Resets the fake first; exits 1 when a check fails. Not part of ctest (the connector's
integration tests cover the fake through the gateway); run it after changing the fake.
"""
import json, os, re, subprocess, sys, time, urllib.request, xml.dom.minidom

HERE = os.path.dirname(os.path.abspath(__file__))
SEED_FILE = os.path.join(HERE, '..', '..', '..', 'shared', 'seeds', '000_a0224f02e4e0d58d.txt')
BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + ''.join('<!ENTITY lol%d "%s">' % (i, ('&lol%s;' % (i - 1 if i > 1 else '')) * 10) for i in range(1, 10))
                  + ']><lolz>&lol9;</lolz>')
MALFORMED_ANSWER = ('<?xml version="1.0" encoding="UTF-8"?><serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service">'
                    '<serv:header><serv:response><serv:result>SUCCESS</serv:result></serv:response></serv:header><serv:body>'
                    '<serv:bodyContent><tain:maxRegistrations>10</train:maxRegistrations></serv:bodyContent></serv:body></serv:message>')


def seed_request():
    """The seed's GetTrainingSession request, verbatim (undeclared serv: prefix)."""
    text = open(SEED_FILE, encoding='utf-8').read()
    start = text.index('<?xml')
    return text[start:text.index('</serv:message>', start) + len('</serv:message>')] + '\n'


fake_process = None
if len(sys.argv) == 3 and sys.argv[1] == '--fake':
    fake_process = subprocess.Popen([sys.argv[2], '--listen', '127.0.0.1:0'], stdout=subprocess.PIPE, text=True)
    BASE = 'http://' + fake_process.stdout.readline().strip().rsplit(' ', 1)[1]
elif len(sys.argv) == 2:
    BASE = sys.argv[1].rstrip('/')
else:
    sys.exit(__doc__)
URL = BASE + '/WBXService/XMLService'
fails = 0

def http(method, url, body=None, ctype='application/xml; charset=UTF-8'):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None: req.add_header('Content-Type', ctype)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode('utf-8', 'replace')
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode('utf-8', 'replace')

SEC = '<webExID>hostid</webExID><password>hostpassword</password><siteID>0000</siteID><partnerID>9999</partnerID><email>johnsmith@xyz.com</email>'
def env(op, body, sec=SEC):
    return ('<?xml version="1.0" encoding="UTF-8"?><serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><header><securityContext>' + sec +
            '</securityContext></header><body><bodyContent xsi:type="java:com.webex.service.binding.training.' + op +
            '">' + body + '</bodyContent></body></serv:message>')

def result(text):
    m = lambda tag: (re.search(r'<serv:%s>(.*?)</serv:%s>' % (tag, tag), text, re.S) or [None, None])[1]
    return m('result'), m('exceptionID'), m('reason')

def check(name, cond, detail=''):
    global fails
    if not cond:
        fails += 1
        print('FAIL', name, detail[:800])
    else:
        print('ok  ', name)

def expect(name, op, body, exc=None, sec=SEC, contains=()):
    st, h, t = http('POST', URL, env(op, body, sec))
    r, e, reason = result(t)
    good = st == 200 and (r == 'SUCCESS' if exc is None else (r == 'FAILURE' and e == exc))
    for c in contains: good = good and c in t
    check(f'{name} -> {exc or "SUCCESS"} ({reason})', good, f'status={st} {t}')
    return t

http('POST', BASE + '/__fake/reset', '')
seed = seed_request()
st, h, t = http('POST', URL, seed)
check('seed request verbatim', st == 200 and result(t)[0] == 'SUCCESS' and '<train:maxRegistrations>10</train:maxRegistrations>' in t and h['Content-Type'].startswith('text/xml'))
xml.dom.minidom.parseString(t)

# Auth
expect('wrong password', 'GetTrainingSession', '<sessionKey>76736484</sessionKey>', '030002', SEC.replace('hostpassword', 'nope'))
expect('unknown user', 'GetTrainingSession', '<sessionKey>76736484</sessionKey>', '030001', SEC.replace('hostid', 'nobody'))
expect('email identity', 'GetTrainingSession', '<sessionKey>76736484</sessionKey>', None, '<password>hostpassword</password><siteID>0000</siteID><email>johnsmith@xyz.com</email>')
expect('token ok', 'GetTrainingSession', '<sessionKey>76736484</sessionKey>', None, '<webExID>hostid</webExID><siteName>acme</siteName><webExAccessToken>valid-access-token</webExAccessToken>')
expect('token bad', 'GetTrainingSession', '<sessionKey>76736484</sessionKey>', '030048', '<webExID>hostid</webExID><siteName>acme</siteName><webExAccessToken>bad</webExAccessToken>')
expect('token only', 'GetTrainingSession', '<sessionKey>76736484</sessionKey>', None, '<siteName>acme</siteName><webExAccessToken>valid-access-token</webExAccessToken>')
expect('ticket ok', 'GetTrainingSession', '<sessionKey>76736484</sessionKey>', None, '<webExID>hostid</webExID><siteName>acme</siteName><sessionTicket>valid-session-ticket</sessionTicket>')
expect('no credential', 'GetTrainingSession', '<sessionKey>76736484</sessionKey>', '030002', '<webExID>hostid</webExID><siteID>0000</siteID>')
expect('no site', 'GetTrainingSession', '<sessionKey>76736484</sessionKey>', '000000', '<webExID>hostid</webExID><password>hostpassword</password>')
expect('bad siteID', 'GetTrainingSession', '<sessionKey>76736484</sessionKey>', '000000', SEC.replace('0000', '1234'))
expect('security order', 'GetTrainingSession', '<sessionKey>76736484</sessionKey>', '999999', '<password>hostpassword</password><webExID>hostid</webExID><siteID>0000</siteID>')
expect('security dup', 'GetTrainingSession', '<sessionKey>76736484</sessionKey>', '999999', SEC + '<email>x</email>')
expect('security unknown', 'GetTrainingSession', '<sessionKey>76736484</sessionKey>', '999999', SEC + '<foo>x</foo>')

# Get
expect('other host session', 'GetTrainingSession', '<sessionKey>11111111</sessionKey>', '000001')
expect('unknown key', 'GetTrainingSession', '<sessionKey>99999999</sessionKey>', '000015')
expect('bad key', 'GetTrainingSession', '<sessionKey>abc</sessionKey>', '999999')
expect('missing key', 'GetTrainingSession', '', '999999')
expect('otherhost gets own', 'GetTrainingSession', '<sessionKey>11111111</sessionKey>', None, SEC.replace('hostid', 'otherhost').replace('hostpassword', 'otherpassword'))
t = expect('escaped confName', 'GetTrainingSession', '<sessionKey>22222222</sessionKey>', None, contains=('<sess:confName>R&amp;D &lt;weekly&gt; "sync" &amp; review</sess:confName>',))

# Envelope
def raw(name, body, exc='999999', status=200):
    st, h, t = http('POST', URL, body)
    r, e, reason = result(t)
    check(f'{name} -> {exc} ({reason})', st == status and (status != 200 or (r == 'FAILURE' and e == exc)), f'{st} {t}')
raw('not xml', 'hello')
raw('empty body', '')
raw('truncated', env('GetTrainingSession', '<sessionKey>1</sessionKey>')[:-10])
raw('billion laughs', BILLION_LAUGHS)
raw('doctype', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + env('GetTrainingSession', '<sessionKey>76736484</sessionKey>')[38:])
raw('external entity', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]><x>&a;</x>')
raw('deep', '<a>' * 5000 + '</a>' * 5000)
raw('wrong root ns', env('GetTrainingSession', '<sessionKey>1</sessionKey>').replace('xmlns:serv="http://www.webex.com/schemas/2002/06/service"', 'xmlns:serv="urn:x"'))
raw('prefixed header', env('GetTrainingSession', '<sessionKey>76736484</sessionKey>').replace('<header>', '<serv:header>').replace('</header>', '</serv:header>'))
raw('no xsi:type', env('GetTrainingSession', '<sessionKey>76736484</sessionKey>').replace('xsi:type=', 'type='))
raw('xsi wrong ns', env('GetTrainingSession', '<sessionKey>76736484</sessionKey>').replace('xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"', 'xmlns:xsi="urn:y"'))
raw('unknown op', env('GetMeeting', '<meetingKey>1</meetingKey>'))
raw('meeting binding', env('GetTrainingSession', '').replace('binding.training.GetTrainingSession', 'binding.meeting.GetMeeting'))
raw('two securityContexts', env('GetTrainingSession', '<sessionKey>76736484</sessionKey>').replace('</header>', '<securityContext/></header>'))
raw('no header', env('GetTrainingSession', '<sessionKey>76736484</sessionKey>').replace('<header>', '<x>').replace('</header>', '</x>'))
raw('body before header', '<serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service"><body/><header/></serv:message>')
raw('extra element', env('GetTrainingSession', '<sessionKey>76736484</sessionKey>').replace('</body>', '</body><extra/>'))
raw('text in body', env('GetTrainingSession', 'junk<sessionKey>76736484</sessionKey>'))
raw('default ns children', env('GetTrainingSession', '<sessionKey xmlns="urn:z">76736484</sessionKey>'))
# undeclared xsi prefix (and serv) form
und = env('GetTrainingSession', '<sessionKey>76736484</sessionKey>').replace(' xmlns:serv="http://www.webex.com/schemas/2002/06/service"', '').replace(' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"', '')
st, h, t = http('POST', URL, und)
check('undeclared serv and xsi prefixes accepted', result(t)[0] == 'SUCCESS', t)
st, h, t = http('GET', URL)
check('GET -> 405', st == 405 and h['Allow'] == 'POST', f'{st}')
st, h, t = http('PUT', URL, seed)
check('PUT -> 405', st == 405, f'{st}')

# Create
create_body = ('<accessControl><listing>PUBLIC</listing><sessionPassword>a&amp;b&lt;c</sessionPassword></accessControl>'
               '<schedule><startDate>4/05/2024 10:00:00</startDate><duration>60</duration><timeZoneID>46</timeZoneID></schedule>'
               '<metaData><confName>R&amp;D &lt;/confName&gt;&lt;x&gt;</confName><agenda>]]&gt; "q" \'a\'</agenda></metaData>'
               '<attendees><participants><participant><person><name>One</name><email>one@x.com</email></person></participant></participants></attendees>')
t = expect('create', 'CreateTrainingSession', create_body, contains=('<train:sessionkey>', '<train:additionalInfo><train:sessionkey>', '<train:guestToken>', 'xsi:type="train:createTrainingSessionResponse"'))
key = re.search(r'<train:sessionkey>(\d+)</train:sessionkey>', t).group(1)
guest = re.search(r'<train:guestToken>(\w+)</train:guestToken>', t).group(1)
t = expect('get created', 'GetTrainingSession', f'<sessionKey>{key}</sessionKey>',
           contains=('<sess:confName>R&amp;D &lt;/confName&gt;&lt;x&gt;</sess:confName>', '<sess:sessionPassword>a&amp;b&lt;c</sess:sessionPassword>',
                     '<sess:hostWebExID>hostid</sess:hostWebExID>', '<sess:timeZone>GMT+08:00, Australia Western (Perth)</sess:timeZone>',
                     f'<train:guestToken>{guest}</train:guestToken>', '<com:name>One</com:name>'))
dom = xml.dom.minidom.parseString(t)
conf = dom.getElementsByTagNameNS('http://www.webex.com/schemas/2002/06/service/session', 'confName')[0].firstChild.data
check('confName round trip literal', conf == 'R&D </confName><x>', conf)
ag = dom.getElementsByTagNameNS('http://www.webex.com/schemas/2002/06/service/trainingsession', 'agenda')[0].firstChild.data
check('agenda round trip literal', ag == ']]> "q" \'a\'', ag)
expect('create out of order', 'CreateTrainingSession', '<metaData><confName>x</confName></metaData><schedule><startDate>04/05/2024 10:00:00</startDate><duration>60</duration></schedule>', '999999')
expect('create dup block', 'CreateTrainingSession', '<schedule><startDate>04/05/2024 10:00:00</startDate><duration>60</duration></schedule><schedule/><metaData><confName>x</confName></metaData>', '999999')
expect('create unknown elem', 'CreateTrainingSession', '<schedule><startDate>04/05/2024 10:00:00</startDate><duration>60</duration><bogus/></schedule><metaData><confName>x</confName></metaData>', '999999')
expect('create no confName', 'CreateTrainingSession', '<schedule><startDate>04/05/2024 10:00:00</startDate><duration>60</duration></schedule>', '999999')
expect('create bad date', 'CreateTrainingSession', '<schedule><startDate>2024-04-05T10:00:00</startDate><duration>60</duration></schedule><metaData><confName>x</confName></metaData>', '009007')
expect('create feb 30', 'CreateTrainingSession', '<schedule><startDate>02/30/2024 10:00:00</startDate><duration>60</duration></schedule><metaData><confName>x</confName></metaData>', '009007')
expect('create no duration', 'CreateTrainingSession', '<schedule><startDate>04/05/2024 10:00:00</startDate></schedule><metaData><confName>x</confName></metaData>', '999999')
expect('create long duration', 'CreateTrainingSession', '<schedule><startDate>04/05/2024 10:00:00</startDate><duration>2000</duration></schedule><metaData><confName>x</confName></metaData>', '060017')
expect('create unknown host', 'CreateTrainingSession', '<schedule><startDate>04/05/2024 10:00:00</startDate><duration>60</duration><hostWebExID>ghost</hostWebExID></schedule><metaData><confName>x</confName></metaData>', '060019')
expect('create for other host', 'CreateTrainingSession', '<schedule><startDate>04/05/2024 10:00:00</startDate><duration>60</duration><hostWebExID>otherhost</hostWebExID></schedule><metaData><confName>x</confName></metaData>', '060021')
expect('create elem in leaf', 'CreateTrainingSession', '<schedule><startDate>04/05/2024 10:00:00</startDate><duration>60</duration></schedule><metaData><confName><b>x</b></confName></metaData>', '999999')
expect('create wrong pwd', 'CreateTrainingSession', create_body, '030002', SEC.replace('hostpassword', 'x'))

# Set
expect('set tail key', 'SetTrainingSession', f'<metaData><confName>Renamed &amp; more</confName></metaData><sessionKey>{key}</sessionKey>', contains=('xsi:type="train:setTrainingSessionResponse"',))
t = expect('get after set', 'GetTrainingSession', f'<sessionKey>{key}</sessionKey>', contains=('<sess:confName>Renamed &amp; more</sess:confName>', '<train:agenda>]]&gt; "q" \'a\'</train:agenda>', '<sess:duration>60</sess:duration>'))
expect('set head key', 'SetTrainingSession', f'<sessionKey>{key}</sessionKey><schedule><duration>90</duration><timeZoneID>11</timeZoneID></schedule>')
t = expect('get after set 2', 'GetTrainingSession', f'<sessionKey>{key}</sessionKey>', contains=('<sess:duration>90</sess:duration>', '<sess:timeZone>GMT-05:00, Eastern (New York)</sess:timeZone>', '<sess:startDate>4/05/2024 10:00:00</sess:startDate>'))
expect('set two keys', 'SetTrainingSession', f'<sessionKey>{key}</sessionKey><metaData><confName>x</confName></metaData><sessionKey>{key}</sessionKey>', '999999')
expect('set out of order', 'SetTrainingSession', f'<metaData><confName>x</confName></metaData><schedule><duration>5</duration></schedule><sessionKey>{key}</sessionKey>', '999999')
expect('set other', 'SetTrainingSession', '<metaData><confName>x</confName></metaData><sessionKey>11111111</sessionKey>', '000001')
expect('set unknown', 'SetTrainingSession', '<metaData><confName>x</confName></metaData><sessionKey>123</sessionKey>', '000015')
expect('set no key', 'SetTrainingSession', '<metaData><confName>x</confName></metaData>', '999999')
expect('set bad date', 'SetTrainingSession', f'<schedule><startDate>13/01/2024 10:00:00</startDate></schedule><sessionKey>{key}</sessionKey>', '009007')
expect('set repeat of started', 'SetTrainingSession', '<repeat><repeatType>WEEKLY</repeatType></repeat><sessionKey>22222222</sessionKey>', '060042')

# Lstsummary
t = expect('list all', 'LstsummaryTrainingSession', '<listControl><startFrom>1</startFrom><maximumNum>10</maximumNum><listMethod>OR</listMethod></listControl><order><orderBy>STARTTIME</orderBy><orderAD>ASC</orderAD></order>',
           contains=('<serv:total>3</serv:total>', '<serv:returned>3</serv:returned>', '<serv:startFrom>1</serv:startFrom>', 'xsi:type="train:lstsummaryTrainingSessionResponse"'))
keys = re.findall(r'<train:sessionKey>(\d+)</train:sessionKey>', t)
check('list order by start', keys == ['76736484', '22222222', key], str(keys))
t = expect('list page 2', 'LstsummaryTrainingSession', '<listControl><startFrom>2</startFrom><maximumNum>1</maximumNum></listControl>', contains=('<serv:total>3</serv:total>', '<serv:returned>1</serv:returned>', '<serv:startFrom>2</serv:startFrom>'))
t = expect('list confName desc', 'LstsummaryTrainingSession', '<order><orderBy>CONFNAME</orderBy><orderAD>DESC</orderAD></order>')
print('   ', re.findall(r'<train:confName>(.*?)</train:confName>', t))
t = expect('list dateScope', 'LstsummaryTrainingSession', '<dateScope><startDateStart>01/01/2020 00:00:00</startDateStart><startDateEnd>02/01/2024 00:00:00</startDateEnd></dateScope>', contains=('<serv:total>1</serv:total>', '<train:sessionKey>22222222</train:sessionKey>', '<train:status>INPROGRESS</train:status>', '<train:listStatus>UNLISTED</train:listStatus>'))
expect('list none', 'LstsummaryTrainingSession', '<dateScope><startDateStart>01/01/2030 00:00:00</startDateStart></dateScope>', '000015')
expect('list beyond', 'LstsummaryTrainingSession', '<listControl><startFrom>50</startFrom></listControl>', '000015')
expect('list other host filter', 'LstsummaryTrainingSession', '<hostWebExID>otherhost</hostWebExID>', '000015')
expect('list by key', 'LstsummaryTrainingSession', '<sessionKey>76736484</sessionKey>', contains=('<serv:total>1</serv:total>', '<train:timeZone>GMT+08:00, Australia Western (Perth)\n</train:timeZone>'))
expect('list out of order', 'LstsummaryTrainingSession', '<dateScope/><listControl/>', '999999')
expect('list bad orderBy', 'LstsummaryTrainingSession', '<order><orderBy>FOO</orderBy></order>', '999999')
expect('list bad date', 'LstsummaryTrainingSession', '<dateScope><startDateStart>yesterday</startDateStart></dateScope>', '009007')

# Del
expect('del started', 'DelTrainingSession', '<sessionKey>22222222</sessionKey>', '060042')
expect('del other', 'DelTrainingSession', '<sessionKey>11111111</sessionKey>', '000001')
expect('del', 'DelTrainingSession', f'<sessionKey>{key}</sessionKey>', contains=('xsi:type="train:delTrainingSessionResponse"',))
expect('del again', 'DelTrainingSession', f'<sessionKey>{key}</sessionKey>', '000015')
expect('get deleted', 'GetTrainingSession', f'<sessionKey>{key}</sessionKey>', '000015')

# Control API
st, h, t = http('GET', BASE + '/__fake/webex/last')
j = json.loads(t)
check('last', st == 200 and j['operation'] == 'GetTrainingSession' and f'<sessionKey>{key}</sessionKey>' in j['body'], t)
st, h, t = http('POST', BASE + '/__fake/webex/last', '')
check('last POST -> 405', st == 405)
st, h, t = http('GET', BASE + '/__fake/stats')
j = json.loads(t)
check('stats webexRequests', j['webexRequests'] > 50 and 'tokenRequests' in j, str({k: v for k, v in j.items() if k != 'requests'}))
xs = [r for r in j['requests'] if r['target'].startswith('/WBXService')]
check('log operation', xs[-1].get('operation') == 'GetTrainingSession' and xs[-1]['auth'] == 'none' and 'operation' in xs[0], json.dumps(xs[-1]))
check('log operation null for junk', any(r.get('operation', 1) is None for r in xs))
g2w = [r for r in j['requests'] if not r['target'].startswith('/WBXService')]
check('g2w entries have no operation', all('operation' not in r for r in g2w))

for cfg, code in [({'webexRaw': {'status': 500, 'body': '<html><body>Oops</body></html>', 'times': 1}}, 200),
                  ({'webexRaw': {'status': 'x'}}, 400), ({'webexRaw': {'bogus': 1}}, 400), ({'webexDelayMs': -1}, 400),
                  ({'webexGsbStatus': 'MAYBE'}, 400), ({'webexRaw': None}, 200)]:
    st, h, t = http('POST', BASE + '/__fake/config', json.dumps(cfg))
    check(f'config {cfg} -> {code}', st == code, t)
http('POST', BASE + '/__fake/config', json.dumps({'webexRaw': {'status': 500, 'body': '<html><body>Oops</body></html>', 'times': 2}}))
st, h, t = http('POST', URL, seed)
check('raw 500 html', st == 500 and 'Oops' in t and h['Content-Type'] == 'text/html', f'{st} {h["Content-Type"]}')
st, h, t = http('GET', URL)
check('raw applies before method', st == 500)
st, h, t = http('POST', URL, seed)
check('raw times exhausted', st == 200 and result(t)[0] == 'SUCCESS')
bad = MALFORMED_ANSWER
http('POST', BASE + '/__fake/config', json.dumps({'webexRaw': {'status': 200, 'body': bad}}))
st, h, t = http('POST', URL, seed)
check('raw malformed seed body', st == 200 and t == bad and h['Content-Type'].startswith('text/xml'))
st, h, t = http('POST', URL, seed)
check('raw persists without times', t == bad)
http('POST', BASE + '/__fake/config', json.dumps({'webexRaw': None, 'webexGsbStatus': 'BACKUP', 'webexDelayMs': 300}))
t0 = time.time(); st, h, t = http('POST', URL, seed); dt = time.time() - t0
check('delay + BACKUP', dt >= 0.3 and '<serv:gsbStatus>BACKUP</serv:gsbStatus>' in t, f'{dt}')
http('POST', BASE + '/__fake/reset', '')
st, h, t = http('GET', BASE + '/__fake/webex/last')
check('reset clears last', json.loads(t) == {'operation': None, 'body': None}, t)
st, h, t = http('GET', BASE + '/__fake/stats')
check('reset zeroes', json.loads(t)['webexRequests'] == 0)
t0 = time.time(); st, h, t = http('POST', URL, seed); dt = time.time() - t0
check('reset restores delay/gsb', dt < 0.25 and 'PRIMARY' in t)
expect('reset restores session', 'GetTrainingSession', '<sessionKey>22222222</sessionKey>')
# G2W still works
st, h, t = http('GET', BASE + '/G2W/rest/v2/organizers/3697511743350317068/sessions?fromTime=2015-05-09T16:45:58Z&toTime=2016-05-09T16:45:58Z')
check('g2w still works (403 without token)', st == 403, f'{st}')
print('FAILURES:', fails)
if fake_process:
    fake_process.terminate()
    fake_process.wait()
sys.exit(1 if fails else 0)

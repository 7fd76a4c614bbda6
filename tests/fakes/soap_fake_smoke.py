#!/usr/bin/env python3
"""Contract smoke test of the SOAP calculator and POX quote fake (soap_fake.cpp), stdlib only.

  python3 tests/fakes/soap_fake_smoke.py --fake build/flowgate-fake   # starts and stops it
  python3 tests/fakes/soap_fake_smoke.py http://127.0.0.1:PORT        # a running fake

Resets the fake first; exits 1 when a check fails. Not part of ctest (like
webex_fake_smoke.py); run it after changing the fake.
"""
import atexit, http.client, json, subprocess, sys, time, urllib.parse
import xml.etree.ElementTree as ET

S11 = 'http://schemas.xmlsoap.org/soap/envelope/'
S12 = 'http://www.w3.org/2003/05/soap-envelope'
T = 'http://tempuri.org/'
STOCK = 'http://example.com/stock'
CT11 = 'text/xml; charset=utf-8'
CT12 = 'application/soap+xml; charset=utf-8'

fake_process = None
if len(sys.argv) == 3 and sys.argv[1] == '--fake':
    fake_process = subprocess.Popen([sys.argv[2], '--listen', '127.0.0.1:0'], stdout=subprocess.PIPE, text=True)
    atexit.register(lambda: (fake_process.terminate(), fake_process.wait()))  # also on a crash
    line = fake_process.stdout.readline()  # blocks until the fake is listening
    if 'listening on' not in line:
        sys.exit('flowgate-fake did not start: %r' % line)
    BASE = 'http://' + line.strip().rsplit(' ', 1)[1]
elif len(sys.argv) == 2:
    BASE = sys.argv[1].rstrip('/')
else:
    sys.exit(__doc__)
HOST = urllib.parse.urlsplit(BASE).netloc
fails = 0


def call(method, path, body=None, headers=None):
    """(status, headers dict with lower-case names, body text); http.client sends only the
    headers given (no default Content-Type or Accept)."""
    conn = http.client.HTTPConnection(HOST, timeout=10)
    try:
        conn.request(method, path, body=body.encode() if isinstance(body, str) else body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode('utf-8', 'replace')
    finally:
        conn.close()


def check(name, cond, detail=''):
    global fails
    if not cond:
        fails += 1
        print('FAIL', name, str(detail)[:800])
    else:
        print('ok  ', name)


def envelope(op, a, b, v12=False, header=False, inner=None):
    ns = S12 if v12 else S11
    args = inner if inner is not None else '<intA>%s</intA><intB>%s</intB>' % (a, b)
    return ('<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="%s">%s<soap:Body>'
            '<%s xmlns="%s">%s</%s></soap:Body></soap:Envelope>'
            % (ns, '<soap:Header><x:Token xmlns:x="urn:x">t</x:Token></soap:Header>' if header else '', op, T, args, op))


def soap(body, v12=False, action='default', op=None, ctype=None):
    """POSTs `body` to /calculator.asmx; action 'default' = the one of `op`, None = left out."""
    if action == 'default':
        action = T + op if op else None
    headers = {}
    if v12:
        headers['Content-Type'] = (ctype or CT12) + ('; action="%s"' % action if action is not None else '')
    else:
        headers['Content-Type'] = ctype or CT11
        if action is not None:
            headers['SOAPAction'] = action
    return call('POST', '/calculator.asmx', body, headers)


def soap_body_child(text, v12):
    root = ET.fromstring(text)
    ns = S12 if v12 else S11
    assert root.tag == '{%s}Envelope' % ns, root.tag
    body = root.find('{%s}Body' % ns)
    return list(body)[0]


def expect_result(name, op, a, b, want, v12=False, **kw):
    st, h, t = soap(envelope(op, a, b, v12, kw.pop('header', False)), v12, op=op, **kw)
    try:
        resp = soap_body_child(t, v12)
        res = resp.find('{%s}%sResult' % (T, op))
        good = (st == 200 and resp.tag == '{%s}%sResponse' % (T, op) and res is not None and res.text == str(want)
                and h['content-type'] == (CT12 if v12 else CT11))
    except Exception as e:
        good, t = False, '%s %s' % (e, t)
    check('%s %s %s(%r, %r) = %s' % ('1.2' if v12 else '1.1', name, op, a, b, want), good, '%s %s' % (st, t))


def expect_fault(name, status_body, v12, code, reason=None):
    st, h, t = status_body
    try:
        fault = soap_body_child(t, v12)
        ns = S12 if v12 else S11
        if v12:
            got = fault.find('{%s}Code/{%s}Value' % (ns, ns)).text
            text_el = fault.find('{%s}Reason/{%s}Text' % (ns, ns))
            text = text_el.text
            lang_ok = text_el.get('{http://www.w3.org/XML/1998/namespace}lang') == 'en'
        else:
            got = fault.find('faultcode').text
            text = fault.find('faultstring').text
            lang_ok = fault.find('detail') is not None
        good = (st == 500 and fault.tag == '{%s}Fault' % ns and got == code and lang_ok and text
                and h['content-type'] == (CT12 if v12 else CT11) and (reason is None or reason in text))
    except Exception as e:
        good, text = False, '%s %s' % (e, t)
    check('%s %s -> %s (%s)' % ('1.2' if v12 else '1.1', name, code, text), good, '%s %s' % (st, t))


def pox(status_body, status, root_tag, ctype='application/xml'):
    st, h, t = status_body
    try:
        root = ET.fromstring(t)
    except Exception:
        root = None
    ok = st == status and h.get('content-type') == ctype and root is not None and root.tag == root_tag
    return ok, root, '%s %s %s' % (st, h.get('content-type'), t)


def expect_error(name, status_body, status, code):
    ok, root, detail = pox(status_body, status, 'error')
    check('%s -> %s %s' % (name, status, code), ok and root.findtext('code') == code and root.findtext('message'), detail)


st, h, t = call('POST', '/__fake/reset', '')
check('reset', st == 200, t)

# ---- SOAP 1.1 and 1.2 successes ----
for v12 in (False, True):
    expect_result('add', 'Add', 1, 2, 3, v12)
    expect_result('sub', 'Subtract', 5, 8, -3, v12)
    expect_result('mul', 'Multiply', -6, 7, -42, v12)
    expect_result('div', 'Divide', 7, 2, 3, v12)
    expect_result('div trunc', 'Divide', -7, 2, -3, v12)
    expect_result('ws', 'Add', ' \n 40\t', '+2 ', 42, v12)
    expect_result('header ignored', 'Multiply', 2147483647, 1, 2147483647, v12, header=True)
    expect_result('min', 'Subtract', -2147483647, 1, -2147483648, v12)
expect_result('unquoted SOAPAction', 'Add', 2, 2, 4, action=T + 'Add')
expect_result('quoted SOAPAction', 'Add', 2, 3, 5, action='"%sAdd"' % T)
expect_result('no action parameter', 'Divide', 9, 3, 3, True, action=None)
expect_result('charset case', 'Add', 1, 1, 2, ctype='Text/XML; Charset=UTF-8')
st, h, t = soap(envelope('Add', 1, 2), op='Add')
check('1.1 answer shape', t.rstrip().endswith('<soap:Envelope xmlns:soap="%s"><soap:Body><AddResponse xmlns="%s"><AddResult>3</AddResult>'
                                              '</AddResponse></soap:Body></soap:Envelope>' % (S11, T)), t)

# ---- SOAP faults ----
BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + ''.join('<!ENTITY lol%d "%s">' % (i, ('&lol%s;' % (i - 1 if i > 1 else '')) * 10) for i in range(1, 10))
                  + ']><lolz>&lol9;</lolz>')
for v12 in (False, True):
    client, server = ('soap:Sender', 'soap:Receiver') if v12 else ('soap:Client', 'soap:Server')
    E = lambda op, a, b, **kw: envelope(op, a, b, v12, **kw)
    expect_fault('divide by zero', soap(E('Divide', 1, 0), v12, op='Divide'), v12, server, 'Attempted to divide by zero.')
    expect_fault('add overflow', soap(E('Add', 2147483647, 1), v12, op='Add'), v12, server, 'overflow')
    expect_fault('subtract overflow', soap(E('Subtract', -2147483648, 1), v12, op='Subtract'), v12, server, 'overflow')
    expect_fault('multiply overflow', soap(E('Multiply', 65536, 65536), v12, op='Multiply'), v12, server, 'overflow')
    expect_fault('divide overflow', soap(E('Divide', -2147483648, -1), v12, op='Divide'), v12, server, 'overflow')
    expect_fault('not xml', soap('hello', v12, op='Add'), v12, client)
    expect_fault('empty body', soap('', v12, op='Add'), v12, client)
    expect_fault('truncated', soap(E('Add', 1, 2)[:-12], v12, op='Add'), v12, client)
    expect_fault('doctype', soap('<!DOCTYPE x [<!ENTITY a "b">]>' + E('Add', 1, 2)[38:], v12, op='Add'), v12, client, 'DTD')
    expect_fault('billion laughs', soap(BILLION_LAUGHS, v12, op='Add'), v12, client)
    expect_fault('external entity', soap('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]><x>&a;</x>', v12, op='Add'), v12, client)
    expect_fault('wrong root', soap('<Add xmlns="%s"><intA>1</intA><intB>2</intB></Add>' % T, v12, op='Add'), v12, client)
    expect_fault('no Body', soap(E('Add', 1, 2).replace('soap:Body', 'soap:Bogy'), v12, op='Add'), v12, client)
    expect_fault('two Body children', soap(E('Add', 1, 2).replace('</soap:Body>', '<x/></soap:Body>'), v12, op='Add'), v12, client)
    expect_fault('text in Body', soap(E('Add', 1, 2).replace('<soap:Body>', '<soap:Body>junk'), v12, op='Add'), v12, client)
    expect_fault('element after Body', soap(E('Add', 1, 2).replace('</soap:Envelope>', '<x/></soap:Envelope>'), v12, op='Add'), v12, client)
    expect_fault('unknown operation', soap(E('Power', 1, 2), v12, action=T + 'Add'), v12, client, 'Power')
    expect_fault('operation in no namespace', soap(E('Add', 1, 2).replace(' xmlns="%s"' % T, ''), v12, op='Add'), v12, client)
    expect_fault('missing intB', soap(E('Add', 1, 2, inner='<intA>1</intA>'), v12, op='Add'), v12, client)
    expect_fault('swapped args', soap(E('Add', 1, 2, inner='<intB>1</intB><intA>2</intA>'), v12, op='Add'), v12, client, 'intA')
    expect_fault('extra arg', soap(E('Add', 1, 2, inner='<intA>1</intA><intB>2</intB><intC>3</intC>'), v12, op='Add'), v12, client)
    expect_fault('non-integer intA', soap(E('Add', 'x1', 2), v12, op='Add'), v12, client, 'intA')
    expect_fault('decimal intB', soap(E('Add', 1, '2.5'), v12, op='Add'), v12, client, 'intB')
    expect_fault('empty intA', soap(E('Add', '', 2), v12, op='Add'), v12, client, 'intA')
    expect_fault('intA beyond 32 bits', soap(E('Add', 2147483648, 0), v12, op='Add'), v12, client, 'intA')
    expect_fault('element inside intA', soap(E('Add', '<b>1</b>', 2), v12, op='Add'), v12, client, 'intA')
    expect_fault('unknown action', soap(E('Add', 1, 2), v12, action=T + 'Power'), v12, client, 'Power')
    expect_fault('mismatched action', soap(E('Add', 1, 2), v12, action=T + 'Subtract'), v12, client, 'does not match')
    other = envelope('Add', 1, 2, not v12)
    expect_fault('other SOAP version envelope', soap(other, v12, op='Add'), v12, 'soap:VersionMismatch', 'version mismatch')
expect_fault('missing SOAPAction', soap(envelope('Add', 1, 2), action=None), False, 'soap:Client', 'SOAPAction')
expect_fault('empty SOAPAction', soap(envelope('Add', 1, 2), action='""'), False, 'soap:Client', 'SOAPAction')
expect_fault('SOAPAction without namespace', soap(envelope('Add', 1, 2), action='Add'), False, 'soap:Client', 'SOAPAction')

# ---- HTTP-level errors of the calculator ----
for method in ('GET', 'PUT', 'DELETE'):
    st, h, t = call(method, '/calculator.asmx')
    check('%s calculator -> 405' % method, st == 405 and h.get('allow') == 'POST' and h['content-type'].startswith('text/plain'), '%s %s' % (st, h))
for ctype in ('application/json', 'application/xml', None):
    headers = {'SOAPAction': T + 'Add'}
    if ctype: headers['Content-Type'] = ctype
    st, h, t = call('POST', '/calculator.asmx', envelope('Add', 1, 2), headers)
    check('Content-Type %s -> 415' % ctype, st == 415 and h['content-type'].startswith('text/plain'), '%s %s' % (st, t))

# ---- POX quotes ----
ok, root, detail = pox(call('GET', '/xml/quotes/IBM'), 200, '{%s}quote' % STOCK)
q = lambda name: root.findtext('{%s}%s' % (STOCK, name))
check('GET IBM', ok and q('symbol') == 'IBM' and q('price') == '123.45' and q('currency') == 'USD'
      and [e.text for e in root.findall('{%s}tags/{%s}tag' % (STOCK, STOCK))] == ['tech', 'nyse'], detail)
for sym in ('AAPL', 'SAP', 'T'):
    ok, root, detail = pox(call('GET', '/xml/quotes/' + sym), 200, '{%s}quote' % STOCK)
    check('GET ' + sym, ok and root.findtext('{%s}symbol' % STOCK) == sym and root.findtext('{%s}price' % STOCK), detail)
expect_error('GET unknown symbol', call('GET', '/xml/quotes/ZZZZ'), 404, 'unknown_symbol')
for path in ('/xml/quotes', '/xml/quotes/', '/xml/quotes/ibm', '/xml/quotes/TOOLONG', '/xml/quotes/IBM/history'):
    expect_error('GET ' + path, call('GET', path), 404, 'not_found')
for accept in ('application/xml', 'text/xml', '*/*', 'application/*', 'application/json, text/xml;q=0.5', ''):
    ok, root, detail = pox(call('GET', '/xml/quotes/IBM', headers={'Accept': accept}), 200, '{%s}quote' % STOCK)
    check('Accept %r -> 200' % accept, ok, detail)
for accept in ('application/json', 'text/html', 'application/xml;q=0', 'text/*'):
    expect_error('Accept %r' % accept, call('GET', '/xml/quotes/IBM', headers={'Accept': accept}), 406, 'not_acceptable')
for method, path, allow in (('POST', '/xml/quotes/IBM', 'GET'), ('DELETE', '/xml/quotes/IBM', 'GET'),
                            ('GET', '/xml/quotes/orders', 'POST'), ('PUT', '/xml/quotes/orders', 'POST')):
    sb = call(method, path)
    expect_error('%s %s' % (method, path), sb, 405, 'method_not_allowed')
    check('  Allow: ' + allow, sb[1].get('allow') == allow, sb[1])

ORDER = '<order xmlns="%s"%s><symbol>%s</symbol><quantity>%s</quantity></order>'
def order(sym='IBM', qty='10', side='', ctype='application/xml', body=None):
    headers = {'Content-Type': ctype} if ctype else {}
    return call('POST', '/xml/quotes/orders', body if body is not None else ORDER % (STOCK, side, sym, qty), headers)

def expect_order(name, sb, oid, sym, qty, side):
    ok, root, detail = pox(sb, 201, '{%s}orderAccepted' % STOCK)
    f = lambda n: root.findtext('{%s}%s' % (STOCK, n))
    check('%s -> 201 %s' % (name, oid), ok and root.get('id') == oid and f('symbol') == sym and f('quantity') == qty and f('side') == side, detail)

expect_order('order default side', order(), 'ord-1', 'IBM', '10', 'buy')
expect_order('order sell, text/xml', order('SAP', ' 5 ', ' side="sell"', 'text/xml; charset=utf-8'), 'ord-2', 'SAP', '5', 'sell')
expect_order('order buy', order('T', '1', ' side="buy"'), 'ord-3', 'T', '1', 'buy')
for ctype in ('application/json', 'text/plain', None):
    expect_error('order Content-Type %s' % ctype, order(ctype=ctype), 415, 'unsupported_media_type')
expect_error('order malformed', order(body='<order xmlns="%s"><symbol>IBM</symbol>' % STOCK), 400, 'malformed_xml')
expect_error('order empty', order(body=''), 400, 'malformed_xml')
expect_error('order DOCTYPE', order(body='<!DOCTYPE order [<!ENTITY s "IBM">]>' + ORDER % (STOCK, '', '&s;', '1')), 400, 'malformed_xml')
expect_error('order billion laughs', order(body=BILLION_LAUGHS), 400, 'malformed_xml')
expect_error('order wrong namespace', order(body=ORDER % ('urn:other', '', 'IBM', '1')), 400, 'invalid_document')
expect_error('order wrong root', order(body='<quote xmlns="%s"/>' % STOCK), 400, 'invalid_document')
for qty in ('0', '-1', 'abc', '1.5', '', '+3', '99999999999'):
    expect_error('order quantity %r' % qty, order(qty=qty), 422, 'invalid_quantity')
expect_error('order unknown symbol', order(sym='ZZZZ'), 422, 'unknown_symbol')
expect_error('order lower-case symbol', order(sym='ibm'), 422, 'unknown_symbol')
expect_error('order bad side', order(side=' side="hold"'), 422, 'invalid_side')
expect_error('order missing quantity', order(body='<order xmlns="%s"><symbol>IBM</symbol></order>' % STOCK), 422, 'invalid_order')
expect_error('order extra element', order(body=ORDER.replace('</order>', '<note/></order>') % (STOCK, '', 'IBM', '1')), 422, 'invalid_order')
expect_error('order children swapped', order(body='<order xmlns="%s"><quantity>1</quantity><symbol>IBM</symbol></order>' % STOCK), 422, 'invalid_order')
expect_error('order not acceptable', call('POST', '/xml/quotes/orders', ORDER % (STOCK, '', 'IBM', '1'),
                                          {'Content-Type': 'application/xml', 'Accept': 'application/json'}), 406, 'not_acceptable')
expect_order('ids keep counting', order(), 'ord-4', 'IBM', '10', 'buy')

# ---- Control API: stats, log, config, reset ----
st, h, t = call('GET', '/__fake/stats')
j = json.loads(t)
check('stats soapRequests', st == 200 and j['soapRequests'] > 100, {k: v for k, v in j.items() if k != 'requests'})
services = {r['target']: r.get('service') for r in j['requests']}
check('log service fields', services.get('/calculator.asmx') == 'calculator' and services.get('/xml/quotes/IBM') == 'quotes', services)
for cfg, code in (({'soapDelayMs': -1}, 400), ({'soapDelayMs': 600001}, 400), ({'soapFault': 'explode'}, 400),
                  ({'soapFault': 1}, 400), ({'soapDelayMs': 0, 'soapFault': 'none'}, 200)):
    st, h, t = call('POST', '/__fake/config', json.dumps(cfg))
    check('config %s -> %s' % (cfg, code), st == code, t)
call('POST', '/__fake/config', json.dumps({'soapDelayMs': 300}))
t0 = time.monotonic(); st, h, t = soap(envelope('Add', 1, 2), op='Add'); dt = time.monotonic() - t0
check('soapDelayMs applies to the calculator', st == 200 and dt >= 0.3, dt)
t0 = time.monotonic(); st, h, t = call('GET', '/xml/quotes/IBM'); dt = time.monotonic() - t0
check('soapDelayMs applies to quotes', st == 200 and dt >= 0.3, dt)
call('POST', '/__fake/config', json.dumps({'soapDelayMs': 0, 'soapFault': 'close_no_answer'}))
for path, method in (('/calculator.asmx', 'POST'), ('/xml/quotes/IBM', 'GET')):
    try:
        st = call(method, path, envelope('Add', 1, 2) if method == 'POST' else None, {'Content-Type': CT11, 'SOAPAction': T + 'Add'})[0]
        check('soapFault close_no_answer on %s' % path, False, 'got status %s' % st)
    except (http.client.HTTPException, ConnectionError, OSError) as e:
        check('soapFault close_no_answer on %s (%s)' % (path, type(e).__name__), True)
call('POST', '/__fake/config', json.dumps({'soapFault': 'garbage_status'}))
try:
    st = call('GET', '/xml/quotes/IBM')[0]
    check('soapFault garbage_status', False, st)
except (http.client.HTTPException, ConnectionError, OSError) as e:
    check('soapFault garbage_status (%s)' % type(e).__name__, True)
st, h, t = call('GET', '/customers/1')
check('customers unaffected by soapFault', st == 200, st)
call('POST', '/__fake/reset', '')
st, h, t = call('GET', '/__fake/stats')
check('reset zeroes soapRequests', json.loads(t)['soapRequests'] == 0, t[:200])
expect_result('reset clears the fault', 'Add', 1, 2, 3)
expect_order('reset restarts order ids', order(), 'ord-1', 'IBM', '10', 'buy')

print('FAILURES:', fails)
sys.exit(1 if fails else 0)

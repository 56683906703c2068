/**
 * The project's own contract files (xsd/definitorio.xsd, wsdl/CertificatiMedici.wsdl) must
 * match the published SAC CertificatiMedici v2.0 contract on the wire. This test checks the
 * WSDL's operations/messages/bindings, and validates sample payloads (fixtures/contract/)
 * with two independent engines: libxml2 (libxml2-wasm) and Xerces (Java).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { XmlDocument, XmlElement, XmlLibError, XsdValidator } from 'libxml2-wasm';
import type { ErrorDetail } from 'libxml2-wasm';
import { xercesValidate } from './support/xerces.js';

const XSD_URL = new URL('../../xsd/definitorio.xsd', import.meta.url);
const XSD_PATH = fileURLToPath(XSD_URL);
const WSDL_URL = new URL('../../wsdl/CertificatiMedici.wsdl', import.meta.url);
const WSDL_PATH = fileURLToPath(WSDL_URL);
const FIXTURES_URL = new URL('../../fixtures/contract/', import.meta.url);

const CERT_NS = 'http://cert.sanita.finanze.it/';
const WS_NS = 'http://ws.cert.sanita.finanze.it/';
const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
const SOAP_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';
const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
const NS = { wsdl: WSDL_NS, soap: SOAP_NS, xsd: XSD_NS, cert: CERT_NS, ws: WS_NS };

const SCHEMA_LOCATION = 'definitorio.xsd';
const ADDRESS = 'http://127.0.0.1:8080/CertServiceWeb/CertificatiMedici';

/** operation name, message-name stem, payload-element stem (facts of the published contract). */
const OPERATIONS = [
  { op: 'InviaMalattia', msg: 'InvioMalattia', el: 'invioMalattia' },
  { op: 'RettificaMalattia', msg: 'RettificaMalattia', el: 'rettificaMalattia' },
  { op: 'AnnullaMalattia', msg: 'AnnullamentoMalattia', el: 'annullamentoMalattia' },
  { op: 'RicercaMalattia', msg: 'RicercaMalattia', el: 'ricercaMalattia' },
  { op: 'RistampaMalattia', msg: 'RistampaMalattia', el: 'ristampaMalattia' },
  { op: 'InviaRicovero', msg: 'InvioRicovero', el: 'invioRicovero' },
  { op: 'AnnullaRicovero', msg: 'AnnullamentoRicovero', el: 'annullamentoRicovero' },
  { op: 'InviaDimissione', msg: 'InvioDimissione', el: 'invioDimissione' },
  { op: 'RettificaDimissione', msg: 'RettificaDimissione', el: 'rettificaDimissione' },
  { op: 'InterrogazioneLavoratore', msg: 'InterrogazioneLavoratore', el: 'interrogazioneLavoratore' },
] as const;

const PAYLOAD_ELEMENTS = OPERATIONS.flatMap((o) => [`${o.el}Request`, `${o.el}Response`]);

const NAMED_COMPLEX_TYPES = [
  'lavoratore', 'indirizzo', 'reperibilita', 'redattore', 'malattia', 'malattiaRidotta', 'ricovero',
  'dimissione', 'diagnosi', 'anagrafica', 'ricevuta', 'ricevutaVarie', 'ricevutaInfo', 'varie', 'info',
  'ricevutaNonOk', 'errore', 'ricevutaOkInvioMalattia', 'ricevutaOkRettificaMalattia',
  'ricevutaOkAnnullamento', 'ricevutaOkRicercaMalattia', 'ricevutaOkRistampaMalattia',
  'ricevutaOkInvioRicovero', 'ricevutaOkInvioDimissione', 'ricevutaOkRettificaDimissione',
  'ricevutaOkInterrogazioneLavoratore',
];
const NAMED_SIMPLE_TYPES = [
  'string200', 'via', 'civico', 'cap', 'codiceComune', 'comune', 'provincia', 'cognome', 'string3',
  'codiceFiscale', 'codiceFiscaleEsteso', 'ruolo', 'tipoVisita', 'tipoCertificato', 'codiceDiagnosi',
  'agevolazioni', 'string1-5', 'nome', 'sesso', 'tipoRicovero', 'booleanString', 'dateString',
];

/** Each Xerces validation starts a JVM; run a few at once. */
const XERCES_CONCURRENCY = Math.max(2, Math.min(4, availableParallelism()));

// ---------------------------------------------------------------------------------------------
// helpers

let schemaDoc: XmlDocument | undefined;
let validator: XsdValidator | undefined;

function compileSchema(): XsdValidator {
  if (!validator) {
    schemaDoc = XmlDocument.fromBuffer(readFileSync(XSD_URL), { url: XSD_PATH });
    validator = XsdValidator.fromDoc(schemaDoc);
  }
  return validator;
}

after(() => {
  validator?.dispose();
  schemaDoc?.dispose();
  validator = undefined;
  schemaDoc = undefined;
});

interface LibxmlResult {
  valid: boolean;
  details: ErrorDetail[];
}

function libxmlValidate(xml: string, name = 'payload.xml'): LibxmlResult {
  const v = compileSchema();
  let doc: XmlDocument | undefined;
  try {
    doc = XmlDocument.fromBuffer(Buffer.from(xml, 'utf8'), { url: name });
    v.validate(doc);
    return { valid: true, details: [] };
  } catch (err) {
    if (err instanceof XmlLibError) return { valid: false, details: err.details };
    throw err;
  } finally {
    doc?.dispose();
  }
}

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES_URL), 'utf8');
}

/** Replace exactly one occurrence, so a stale fixture cannot silently make a case vacuous. */
function replaceOnce(xml: string, search: string | RegExp, replacement: string): string {
  const count = typeof search === 'string'
    ? xml.split(search).length - 1
    : (xml.match(new RegExp(search.source, search.flags.includes('g') ? search.flags : `${search.flags}g`)) ?? []).length;
  assert.equal(count, 1, `expected exactly one match of ${String(search)} in the fixture`);
  // With a RegExp, $1... in the replacement refer to its groups; a string search is literal.
  return typeof search === 'string' ? xml.replace(search, () => replacement) : xml.replace(search, replacement);
}

function attr(el: XmlElement, name: string): string | undefined {
  return el.attr(name)?.value;
}

function elements(doc: XmlDocument, xpath: string): XmlElement[] {
  const found = doc.find(xpath, NS);
  for (const n of found) assert.ok(n instanceof XmlElement, `${xpath} selected a non-element node`);
  return found as XmlElement[];
}

function one(doc: XmlDocument, xpath: string): XmlElement {
  const found = elements(doc, xpath);
  assert.equal(found.length, 1, `expected exactly one node for ${xpath}, found ${found.length}`);
  return found[0] as XmlElement;
}

/** Resolve a QName-valued attribute against the namespaces in scope on its element. */
function qname(el: XmlElement, attrName: string): { ns: string | null; local: string } {
  const value = attr(el, attrName);
  assert.ok(value, `missing @${attrName} on ${el.name}`);
  const colon = value.indexOf(':');
  const prefix = colon < 0 ? '' : value.slice(0, colon);
  return { ns: el.namespaceForPrefix(prefix), local: value.slice(colon + 1) };
}

function countOccurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

// ---------------------------------------------------------------------------------------------
// schema

test('xsd/definitorio.xsd compiles with libxml2', () => {
  assert.doesNotThrow(() => compileSchema());
});

test('schema header and global declarations match the contract', () => {
  compileSchema();
  const doc = schemaDoc as XmlDocument;
  const root = doc.root;
  assert.equal(root.name, 'schema');
  assert.equal(root.namespaceUri, XSD_NS);
  assert.equal(attr(root, 'targetNamespace'), CERT_NS);
  assert.equal(attr(root, 'elementFormDefault'), 'unqualified');
  assert.equal(attr(root, 'attributeFormDefault') ?? 'unqualified', 'unqualified');
  assert.equal(elements(doc, '/xsd:schema/xsd:include | /xsd:schema/xsd:import').length, 0);

  const globals = elements(doc, '/xsd:schema/xsd:element').map((e) => attr(e, 'name'));
  assert.deepEqual([...globals].sort(), [...PAYLOAD_ELEMENTS].sort());
  for (const name of PAYLOAD_ELEMENTS) {
    const el = one(doc, `/xsd:schema/xsd:element[@name='${name}']`);
    assert.equal(attr(el, 'type'), undefined, `${name} must have an anonymous type`);
    assert.equal(elements(doc, `/xsd:schema/xsd:element[@name='${name}']/xsd:complexType[not(@name)]`).length, 1);
    if (name.endsWith('Response')) {
      const ext = one(doc, `/xsd:schema/xsd:element[@name='${name}']/xsd:complexType/xsd:complexContent/xsd:extension`);
      assert.deepEqual(qname(ext, 'base'), { ns: CERT_NS, local: 'ricevuta' });
      const kids = elements(doc, `/xsd:schema/xsd:element[@name='${name}']/xsd:complexType/xsd:complexContent/xsd:extension/xsd:sequence/xsd:element`);
      assert.equal(kids.length, 1);
      assert.equal(attr(kids[0] as XmlElement, 'minOccurs'), '0');
    }
  }

  const complex = elements(doc, '/xsd:schema/xsd:complexType').map((e) => attr(e, 'name'));
  assert.deepEqual([...complex].sort(), [...NAMED_COMPLEX_TYPES].sort());
  const simple = elements(doc, '/xsd:schema/xsd:simpleType').map((e) => attr(e, 'name'));
  assert.deepEqual([...simple].sort(), [...NAMED_SIMPLE_TYPES].sort());
  assert.equal(attr(one(doc, "/xsd:schema/xsd:complexType[@name='ricevuta']"), 'abstract'), 'true');
});

test('inline types stay anonymous where the contract has them anonymous', () => {
  compileSchema();
  const doc = schemaDoc as XmlDocument;
  const anonymous = [
    "xsd:complexType[@name='redattore']/xsd:sequence/xsd:element[@name='codiceStruttura']",
    "xsd:complexType[@name='ricevutaOkRicercaMalattia']/xsd:sequence/xsd:element[@name='datiCertificato']",
    "xsd:complexType[@name='ricevutaOkInterrogazioneLavoratore']/xsd:sequence/xsd:element[@name='cognome']",
    "xsd:complexType[@name='ricevutaOkInterrogazioneLavoratore']/xsd:sequence/xsd:element[@name='nome']",
  ];
  for (const path of anonymous) {
    const el = one(doc, `/xsd:schema/${path}`);
    assert.equal(attr(el, 'type'), undefined, `${path} must not reference a named type`);
    assert.equal(elements(doc, `/xsd:schema/${path}/*[self::xsd:simpleType or self::xsd:complexType][not(@name)]`).length, 1);
  }
  const datiCertificato = one(doc, "/xsd:schema/xsd:complexType[@name='ricevutaOkRicercaMalattia']/xsd:sequence/xsd:element[@name='datiCertificato']");
  assert.equal(attr(datiCertificato, 'minOccurs'), '0');
  assert.equal(attr(datiCertificato, 'maxOccurs'), 'unbounded');
});

// ---------------------------------------------------------------------------------------------
// WSDL

test('wsdl/CertificatiMedici.wsdl describes the ten operations exactly', () => {
  const text = readFileSync(WSDL_URL, 'utf8');
  // The server rewrites these two attribute values by plain replacement when serving.
  assert.equal(countOccurrences(text, `schemaLocation="${SCHEMA_LOCATION}"`), 1);
  assert.equal(countOccurrences(text, SCHEMA_LOCATION), 1);
  assert.equal(countOccurrences(text, `location="${ADDRESS}"`), 1);
  assert.equal(countOccurrences(text, ADDRESS), 1);

  const doc = XmlDocument.fromBuffer(readFileSync(WSDL_URL), { url: WSDL_PATH });
  try {
    const root = doc.root;
    assert.equal(root.name, 'definitions');
    assert.equal(root.namespaceUri, WSDL_NS);
    assert.equal(attr(root, 'targetNamespace'), WS_NS);
    assert.equal(elements(doc, '/wsdl:definitions/wsdl:import').length, 0, 'single file: no wsdl:import');

    // types: one schema that only imports the cert namespace from definitorio.xsd
    const imp = one(doc, '/wsdl:definitions/wsdl:types/xsd:schema/xsd:import');
    assert.equal(attr(imp, 'namespace'), CERT_NS);
    assert.equal(attr(imp, 'schemaLocation'), SCHEMA_LOCATION);
    assert.equal(elements(doc, '/wsdl:definitions/wsdl:types/xsd:schema').length, 1);
    assert.equal(elements(doc, '/wsdl:definitions/wsdl:types/xsd:schema/xsd:*[not(self::xsd:import)]').length, 0);

    // messages: one part each, part named as the message, pointing at the payload element
    const messages = elements(doc, '/wsdl:definitions/wsdl:message');
    assert.equal(messages.length, 20);
    const expectedMessages = OPERATIONS.flatMap((o) => [
      { name: `${o.msg}Request`, element: `${o.el}Request` },
      { name: `${o.msg}Response`, element: `${o.el}Response` },
    ]);
    assert.deepEqual(messages.map((m) => attr(m, 'name')).sort(), expectedMessages.map((m) => m.name).sort());
    for (const m of expectedMessages) {
      const parts = elements(doc, `/wsdl:definitions/wsdl:message[@name='${m.name}']/wsdl:part`);
      assert.equal(parts.length, 1, `${m.name} must have one part`);
      const part = parts[0] as XmlElement;
      assert.equal(attr(part, 'name'), m.name);
      assert.equal(attr(part, 'type'), undefined);
      assert.deepEqual(qname(part, 'element'), { ns: CERT_NS, local: m.element });
    }

    // portType
    const portType = one(doc, '/wsdl:definitions/wsdl:portType');
    assert.equal(attr(portType, 'name'), 'CertificatiMedici');
    const ptOps = elements(doc, '/wsdl:definitions/wsdl:portType/wsdl:operation');
    assert.deepEqual(ptOps.map((o) => attr(o, 'name')), OPERATIONS.map((o) => o.op));
    for (const o of OPERATIONS) {
      const base = `/wsdl:definitions/wsdl:portType/wsdl:operation[@name='${o.op}']`;
      assert.deepEqual(qname(one(doc, `${base}/wsdl:input`), 'message'), { ns: WS_NS, local: `${o.msg}Request` });
      assert.deepEqual(qname(one(doc, `${base}/wsdl:output`), 'message'), { ns: WS_NS, local: `${o.msg}Response` });
      assert.equal(elements(doc, `${base}/wsdl:fault`).length, 0);
    }

    // binding: SOAP 1.1, document/literal, one soapAction per operation
    const binding = one(doc, '/wsdl:definitions/wsdl:binding');
    assert.equal(attr(binding, 'name'), 'CertificatiMedici');
    assert.deepEqual(qname(binding, 'type'), { ns: WS_NS, local: 'CertificatiMedici' });
    const soapBinding = one(doc, '/wsdl:definitions/wsdl:binding/soap:binding');
    assert.equal(attr(soapBinding, 'style'), 'document');
    assert.equal(attr(soapBinding, 'transport'), 'http://schemas.xmlsoap.org/soap/http');
    const bOps = elements(doc, '/wsdl:definitions/wsdl:binding/wsdl:operation');
    assert.deepEqual(bOps.map((o) => attr(o, 'name')).sort(), OPERATIONS.map((o) => o.op).sort());
    for (const o of OPERATIONS) {
      const base = `/wsdl:definitions/wsdl:binding/wsdl:operation[@name='${o.op}']`;
      const soapOp = one(doc, `${base}/soap:operation`);
      assert.equal(attr(soapOp, 'soapAction'), `${WS_NS}${o.op}`);
      assert.ok(['document', undefined].includes(attr(soapOp, 'style')));
      for (const dir of ['input', 'output']) {
        const body = one(doc, `${base}/wsdl:${dir}/soap:body`);
        assert.equal(attr(body, 'use'), 'literal', `${o.op} ${dir}`);
        assert.equal(attr(body, 'parts'), undefined);
        assert.equal(elements(doc, `${base}/wsdl:${dir}/soap:header`).length, 0);
      }
    }

    // service / port / address
    const service = one(doc, '/wsdl:definitions/wsdl:service');
    assert.equal(attr(service, 'name'), 'CertificatiMedici');
    const port = one(doc, '/wsdl:definitions/wsdl:service/wsdl:port');
    assert.equal(attr(port, 'name'), 'CertificatiMedici');
    assert.deepEqual(qname(port, 'binding'), { ns: WS_NS, local: 'CertificatiMedici' });
    assert.equal(attr(one(doc, '/wsdl:definitions/wsdl:service/wsdl:port/soap:address'), 'location'), ADDRESS);
  } finally {
    doc.dispose();
  }
});

test('every WSDL part element is a global element of the schema', () => {
  compileSchema();
  const xsd = schemaDoc as XmlDocument;
  const wsdl = XmlDocument.fromBuffer(readFileSync(WSDL_URL), { url: WSDL_PATH });
  try {
    for (const part of elements(wsdl, '/wsdl:definitions/wsdl:message/wsdl:part')) {
      const { ns, local } = qname(part, 'element');
      assert.equal(ns, attr(xsd.root, 'targetNamespace'));
      assert.equal(elements(xsd, `/xsd:schema/xsd:element[@name='${local}']`).length, 1, local);
    }
  } finally {
    wsdl.dispose();
  }
});

// ---------------------------------------------------------------------------------------------
// payloads

interface Case {
  name: string;
  xml: string;
}

/** Validate with both engines, running the Xerces side concurrently as subtests. */
async function expectAllValid(t: { test: (name: string, fn: () => Promise<void>) => Promise<void> }, cases: Case[]): Promise<void> {
  await Promise.all(cases.map((c) => t.test(c.name, async () => {
    const lx = libxmlValidate(c.xml, c.name);
    assert.ok(lx.valid, `libxml2 refused ${c.name}: ${lx.details.map((d) => d.message.trim()).join(' | ')}`);
    const xr = await xercesValidate(c.xml, XSD_PATH);
    assert.ok(xr.valid, `Xerces refused ${c.name}: ${xr.messages.join(' | ')}`);
  })));
}

test('one fixture per request and response element', () => {
  const files = readdirSync(FIXTURES_URL).filter((f) => f.endsWith('.xml'));
  for (const el of PAYLOAD_ELEMENTS) assert.ok(files.includes(`${el}.xml`), `missing fixtures/contract/${el}.xml`);
  for (const f of files) {
    const stem = f.split('.')[0] as string;
    assert.ok(PAYLOAD_ELEMENTS.includes(stem), `fixture ${f} does not start with a payload element name`);
  }
});

test('fixtures have a prefixed cert root and unqualified children', () => {
  const files = readdirSync(FIXTURES_URL).filter((f) => f.endsWith('.xml'));
  for (const f of files) {
    const doc = XmlDocument.fromBuffer(readFileSync(new URL(f, FIXTURES_URL)), { url: f });
    try {
      const root = doc.root;
      assert.equal(root.name, f.split('.')[0], f);
      assert.equal(root.namespaceUri, CERT_NS, f);
      assert.notEqual(root.prefix, '', `${f}: root must use a prefix`);
      assert.equal(doc.eval("count(/*//*[namespace-uri() != ''])"), 0, `${f}: children must be unqualified`);
    } finally {
      doc.dispose();
    }
  }
});

test('valid fixtures are accepted by libxml2 and Xerces', { concurrency: XERCES_CONCURRENCY, timeout: 180_000 }, async (t) => {
  const files = readdirSync(FIXTURES_URL).filter((f) => f.endsWith('.xml')).sort();
  const started = Date.now();
  await expectAllValid(t, files.map((f) => ({ name: f, xml: fixture(f) })));
  t.diagnostic(`${files.length} fixtures, both engines, ${Date.now() - started} ms (Xerces concurrency ${XERCES_CONCURRENCY})`);
});

test('boundary documents the contract accepts', { concurrency: XERCES_CONCURRENCY, timeout: 120_000 }, async (t) => {
  const malattia = fixture('invioMalattiaRequest.xml');
  await expectAllValid(t, [
    {
      // lengths are counted in characters, not UTF-8 bytes (this via is 50 characters, 97 bytes)
      name: 'via of exactly 50 characters with accented letters',
      xml: replaceOnce(malattia, '<via>Via Nazionale à</via>', `<via>Via ${'à'.repeat(46)}</via>`),
    },
    {
      name: 'optional reperibilita left out, medico with no children',
      xml: replaceOnce(
        replaceOnce(malattia, /<reperibilita>[\s\S]*?<\/reperibilita>/, ''),
        /<medico>[\s\S]*?<\/medico>/, '<medico/>'),
    },
    {
      // dateString only checks the shape: the calendar check is a business rule in code
      name: 'dateString 2026-02-31 passes the schema',
      xml: replaceOnce(malattia, '<dataFine>2026-03-06</dataFine>', '<dataFine>2026-02-31</dataFine>'),
    },
    {
      name: 'empty response: every ricevuta child is optional',
      xml: '<?xml version="1.0" encoding="UTF-8"?>\n<cert:invioMalattiaResponse xmlns:cert="http://cert.sanita.finanze.it/"/>\n',
    },
  ]);
});

interface InvalidCase {
  name: string;
  xml: string;
  /** ErrorDetail.xpath libxml2 must report (first error). */
  xpath?: string;
  /** libxml2 message fragment. */
  libxml?: RegExp;
  /** Xerces message fragment. */
  xerces: RegExp;
}

function invalidCases(): InvalidCase[] {
  const malattia = fixture('invioMalattiaRequest.xml');
  const response = fixture('invioMalattiaResponse.xml');
  const nonOk = fixture('invioMalattiaResponse.nonOk.xml');
  const interrogazione = fixture('interrogazioneLavoratoreResponse.xml');
  const errore = /<errore>[\s\S]*?<\/errore>/.exec(nonOk)?.[0] ?? '';
  assert.ok(errore, 'invioMalattiaResponse.nonOk.xml must contain an errore');
  return [
    {
      name: 'missing mandatory element (malattia)',
      xml: replaceOnce(malattia, /\s*<malattia>[\s\S]*<\/malattia>/, ''),
      xpath: '/cert:invioMalattiaRequest',
      libxml: /Missing child element\(s\)\. Expected is \( malattia \)/,
      xerces: /cvc-complex-type\.2\.4\.b/,
    },
    {
      name: 'element out of order (lavoratore before medico)',
      xml: swapMedicoLavoratore(malattia),
      xpath: '/cert:invioMalattiaRequest/lavoratore',
      libxml: /This element is not expected\. Expected is \( medico \)/,
      xerces: /cvc-complex-type\.2\.4\.a.*'lavoratore'/,
    },
    {
      name: 'pattern violation: cap "0012"',
      xml: replaceOnce(malattia, '<cap>00184</cap>', '<cap>0012</cap>'),
      xpath: '/cert:invioMalattiaRequest/residenza/cap',
      libxml: /\[facet 'pattern'\]/,
      xerces: /cvc-pattern-valid.*'0012'/,
    },
    {
      name: 'via too long (51 characters)',
      xml: replaceOnce(malattia, '<via>Via Nazionale à</via>', `<via>Via ${'à'.repeat(47)}</via>`),
      xpath: '/cert:invioMalattiaRequest/residenza/via',
      libxml: /\[facet 'maxLength'\]/,
      xerces: /cvc-maxLength-valid/,
    },
    {
      name: 'qualified child element (cert:medico)',
      xml: replaceOnce(replaceOnce(malattia, '<medico>', '<cert:medico>'), '</medico>', '</cert:medico>'),
      xpath: '/cert:invioMalattiaRequest/cert:medico',
      libxml: /This element is not expected/,
      xerces: /cvc-complex-type\.2\.4\.a/,
    },
    {
      name: 'unqualified root element',
      xml: replaceOnce(
        replaceOnce(malattia, '<cert:invioMalattiaRequest xmlns:cert="http://cert.sanita.finanze.it/">', '<invioMalattiaRequest>'),
        '</cert:invioMalattiaRequest>', '</invioMalattiaRequest>'),
      libxml: /No matching global declaration/,
      xerces: /cvc-elt\.1/,
    },
    {
      name: 'wrong value in an enumeration-like pattern (visita "X")',
      xml: replaceOnce(malattia, '<visita>A</visita>', '<visita>X</visita>'),
      xpath: '/cert:invioMalattiaRequest/malattia/visita',
      xerces: /cvc-pattern-valid/,
    },
    {
      name: 'date in the wrong shape (02/03/2026)',
      xml: replaceOnce(malattia, '<dataInizio>2026-03-02</dataInizio>', '<dataInizio>02/03/2026</dataInizio>'),
      xpath: '/cert:invioMalattiaRequest/malattia/dataInizio',
      xerces: /cvc-pattern-valid/,
    },
    {
      name: 'base-type element after the extension element (ricevutaInfo last)',
      xml: replaceOnce(response, /(\s*<ricevutaInfo>[\s\S]*?<\/ricevutaInfo>)([\s\S]*?<\/ricevutaOkInvioMalattia>)/, '$2$1'),
      xpath: '/cert:invioMalattiaResponse/ricevutaInfo',
      xerces: /cvc-complex-type\.2\.4\.[ad].*'ricevutaInfo'/,
    },
    {
      name: 'maxOccurs exceeded (11 errore in ricevutaNonOk)',
      xml: replaceOnce(nonOk, errore, Array.from({ length: 11 }, () => errore).join('\n    ')),
      xpath: '/cert:invioMalattiaResponse/ricevutaNonOk/errore[11]',
      xerces: /cvc-complex-type\.2\.4\.f.*'10'/,
    },
    {
      name: 'anonymous cognome of ricevutaOkInterrogazioneLavoratore longer than 40',
      xml: replaceOnce(interrogazione, '<cognome>ROSSI</cognome>', `<cognome>${'R'.repeat(41)}</cognome>`),
      xpath: '/cert:interrogazioneLavoratoreResponse/ricevutaOkInterrogazioneLavoratore/cognome',
      xerces: /cvc-maxLength-valid/,
    },
    {
      name: 'not well-formed',
      xml: replaceOnce(malattia, '</cert:invioMalattiaRequest>', ''),
      xerces: /\[fatal\]/,
    },
  ];
}

function swapMedicoLavoratore(xml: string): string {
  return replaceOnce(xml, /(<medico>[\s\S]*?<\/medico>)(\s*)(<lavoratore>[\s\S]*?<\/lavoratore>)/, '$3$2$1');
}

test('invalid documents are refused by libxml2 and Xerces', { concurrency: XERCES_CONCURRENCY, timeout: 180_000 }, async (t) => {
  await Promise.all(invalidCases().map((c) => t.test(c.name, async () => {
    const lx = libxmlValidate(c.xml, 'invalid.xml');
    assert.equal(lx.valid, false, `libxml2 accepted: ${c.name}`);
    assert.ok(lx.details.length > 0);
    const first = lx.details[0] as ErrorDetail;
    if (c.libxml) assert.match(first.message, c.libxml);
    if (c.xpath) assert.equal(first.xpath, c.xpath);

    const xr = await xercesValidate(c.xml, XSD_PATH);
    assert.equal(xr.valid, false, `Xerces accepted: ${c.name}`);
    assert.ok(xr.messages.some((m) => c.xerces.test(m)), `Xerces messages ${JSON.stringify(xr.messages)} do not match ${String(c.xerces)}`);
  })));
});

// ---------------------------------------------------------------------------------------------
// the three patterns corrected with respect to the published schema

interface PatternCase {
  type: string;
  value: string;
  valid: boolean;
  build: (value: string) => string;
}

function patternCases(): PatternCase[] {
  const malattia = fixture('invioMalattiaRequest.xml');
  const ristampa = fixture('ristampaMalattiaResponse.xml');
  // codiceFiscale: the medico's own code (the regione-user form of redattore)
  const cf = (v: string): string => replaceOnce(malattia, /<pincode>[^<]*<\/pincode>/, `<codiceFiscale>${v}</codiceFiscale>`);
  // codiceFiscaleEsteso: anagrafica/codiceFiscale in a response
  const cfe = (v: string): string => replaceOnce(ristampa, /(<lavoratore>\s*)<codiceFiscale>[^<]*<\/codiceFiscale>/, `$1<codiceFiscale>${v}</codiceFiscale>`);
  const dia = (v: string): string => replaceOnce(malattia, '<codiceDiagnosi>487.1</codiceDiagnosi>', `<codiceDiagnosi>${v}</codiceDiagnosi>`);
  const cases: PatternCase[] = [];
  const add = (type: string, build: (v: string) => string, ok: string[], ko: string[]): void => {
    for (const value of ok) cases.push({ type, value, valid: true, build });
    for (const value of ko) cases.push({ type, value, valid: false, build });
  };
  add('codiceFiscale', cf,
    ['RSSMRA80A01H501U', 'RSSMRA80A01H50MM', 'RSSMRAULALMHRLMD'],
    ['rssmra80a01h501u', 'RSSMRA80A01H501', 'RSSMRA80A01H5 1U', '12345678901']);
  add('codiceFiscaleEsteso', cfe,
    ['RSSMRA80A01H501U', 'RSSMRA80A01H50MM', '12345678901'],
    ['1234567890', 'RSSMRA80A01H5 1U', 'RSSMRA80A01H501UX']);
  add('codiceDiagnosi', dia,
    ['44', '487', '487.1', '487.12', 'V17.34', 'V17', 'E812', 'E812.0'],
    ['4', '4871', '487.123', 'A01', '487,1', 'v17.34', '48 7']);
  return cases;
}

test('corrected patterns: codiceFiscale, codiceFiscaleEsteso, codiceDiagnosi', { concurrency: XERCES_CONCURRENCY, timeout: 180_000 }, async (t) => {
  await Promise.all(patternCases().map((c) => t.test(`${c.type} ${JSON.stringify(c.value)} ${c.valid ? 'accepted' : 'refused'}`, async () => {
    const xml = c.build(c.value);
    const lx = libxmlValidate(xml, `${c.type}.xml`);
    assert.equal(lx.valid, c.valid, `libxml2: ${lx.details.map((d) => d.message.trim()).join(' | ')}`);
    if (!c.valid) assert.match((lx.details[0] as ErrorDetail).message, /\[facet 'pattern'\]/);
    const xr = await xercesValidate(xml, XSD_PATH);
    assert.equal(xr.valid, c.valid, `Xerces: ${xr.messages.join(' | ')}`);
    if (!c.valid) assert.ok(xr.messages.some((m) => /cvc-pattern-valid/.test(m)), xr.messages.join(' | '));
  })));
});

test('Xerces helper reports an invalid document instead of throwing', async () => {
  const r = await xercesValidate('<cert:nope xmlns:cert="http://cert.sanita.finanze.it/"/>', XSD_PATH);
  assert.equal(r.valid, false);
  assert.ok(r.messages.length > 0);
  const broken = await xercesValidate('<not-xml', XSD_PATH);
  assert.equal(broken.valid, false);
});

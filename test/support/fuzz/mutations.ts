/**
 * Mutations of a valid request at three levels: the XML structure (a tree),
 * the bytes on the wire, and the HTTP request around them. A case is a
 * pure function of (seed, index, bases): it replays exactly.
 */
import { basic, DEMO } from '../soapClient.js';
import type { BaseRequest } from './bases.js';
import { CERT_NS, SOAP11_NS } from './bases.js';
import { Rng } from './random.js';
import { childElements, clone, el, elements, leaves, localOf, raw, text, write, type El, type Node } from './tree.js';

export type Phase = 'main' | 'auth';

export interface FuzzCase {
  readonly seed: number;
  readonly index: number;
  /** Cases that send wrong credentials run after the others (a login throttle must not starve the rest). */
  readonly phase: Phase;
  readonly base: string;
  /** What was done, in order, for the report. */
  readonly mutations: readonly string[];
  readonly body: Buffer;
  /** Header values; null leaves the header out. */
  readonly contentType: string | null;
  readonly soapAction: string | null;
  readonly authorization: string | null;
  /** Send without Content-Length (chunked). */
  readonly chunked: boolean;
}

/** Never more than this on the wire, whatever the mutations stacked up. */
export const MAX_CASE_BYTES = 3 * 1024 * 1024;

interface Draft {
  envelope: El;
  declaration: string;
  /** Between the declaration and the root: DOCTYPE, comments, PIs. */
  prolog: string;
  /** How the text becomes bytes. */
  encoding: 'utf8' | 'latin1' | 'utf16le';
  contentType: string | null;
  soapAction: string | null;
  authorization: string | null;
  chunked: boolean;
  log: string[];
}

const WRITE_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

function bodyOf(d: Draft): El | undefined {
  return childElements(d.envelope).find((c) => localOf(c.name) === 'Body');
}
function payloadOf(d: Draft): El | undefined {
  const body = bodyOf(d);
  return body ? childElements(body)[0] : undefined;
}
/** A random element of the payload, or of the whole envelope when there is none. */
function somePayloadElement(rng: Rng, d: Draft, includeRoot = true): { node: El; parent: El | undefined } {
  const payload = payloadOf(d) ?? d.envelope;
  const all = elements(payload).filter((e) => includeRoot || e.parent !== undefined);
  return all.length > 0 ? rng.pick(all) : { node: payload, parent: undefined };
}
function someElement(rng: Rng, d: Draft): { node: El; parent: El | undefined } {
  return rng.chance(0.7) ? somePayloadElement(rng, d) : rng.pick(elements(d.envelope));
}
function pathOf(node: El): string {
  return localOf(node.name);
}

const ODD_VALUES = [
  '', ' ', '  \t\n ', '0', '-1', '1e309', '99999999999999999999999999', '2026-02-30', '2026-13-01', '0000-00-00', '9999-12-31',
  '2026-11-25T10:00:00Z', 'true', 'TRUE', '1', 'null', 'RSSMRA80A01H501X', 'rssmra80a01h501u', 'RSSMRA80A01H501', '00000000000',
  'ÀÈÌÒÙ àèìòù €', '\u{1F600}', '\uFFFD', '\u00A0', 'a'.repeat(201), '487.1 ', ' 487.1', 'V17.34', 'E999', '&', '<', ']]>',
  'Ω'.repeat(300), '\t', '%s%n%x', "'; DROP TABLE certificati; --", '../../../../etc/passwd', '${jndi:ldap://127.0.0.1/x}',
  '<![CDATA[x]]>', '\u0085', '\u2028',
];
/** Markup written raw inside an element: some well-formed, some not. */
const RAW_MARKUP = [
  '<!-- commento -->', '<!---->', '<!-- -- -->', '<![CDATA[487.1]]>', '<![CDATA[<x>&</x>]]>', '<![CDATA[', '<?pi dati?>',
  '<?xml version="1.0"?>', '&nondichiarata;', '&amp;', '&#65;', '&#0;', '&#x1;', '&#xD800;', '&#x10FFFF;', '&#xFFFE;', '&#99999999;',
  '&lt;', '<', '>', ']]>', '</medico>', '<a>', '<a b="1" b="2"/>', '<a b=1/>', '<a xmlns:p=""/>', '<p:a/>', '<:a/>', '<a:/>',
  '<1a/>', '<a\u0000/>', '\u0001', '\u001F', '\uFFFF',
];
const ENCODINGS = ['ISO-8859-1', 'iso-8859-1', 'latin1', 'US-ASCII', 'UTF-16', 'UTF-16LE', 'windows-1252', 'EBCDIC-US', 'UTF-32', 'Shift_JIS', 'bogus', '', 'UTF-8 ', 'utf8'];
const CONTENT_TYPES: Array<string | null> = [
  null, 'text/xml', 'TEXT/XML; CHARSET=UTF-8', 'text/xml; charset=iso-8859-1', 'text/xml; charset=utf-16', 'text/xml; charset="utf-8"',
  'text/xml; charset=windows-1252', 'text/xml; charset=ebcdic', 'text/xml; charset=', 'text/xml;;;charset=utf-8;charset=latin1',
  'application/soap+xml; charset=utf-8', 'application/xml', 'text/plain', 'application/json', 'multipart/related; boundary=x',
  'application/x-www-form-urlencoded', '*/*', '', ' ', 'text/xml; boundary="' + 'x'.repeat(3000) + '"', 'text/html; charset=utf-8',
];
const MUST_UNDERSTAND = ['1', ' 1 ', 'true', ' true', '0', 'false', 'yes', '01', 'TRUE', '', '1 1'];
const ACTORS: Array<string | undefined> = [undefined, 'http://schemas.xmlsoap.org/soap/actor/next', 'urn:altro-nodo', ''];

type StructureMutation = (rng: Rng, d: Draft, bases: readonly BaseRequest[]) => void;

const structure: ReadonlyArray<readonly [string, StructureMutation, number]> = [
  ['duplicate', (rng, d) => {
    const { node, parent } = somePayloadElement(rng, d, false);
    if (!parent) return;
    // Stacked mutations must not outgrow a JS string: at most ~2 MB of copies.
    const times = Math.min(rng.pick([1, 1, 2, 30, 800]), Math.max(1, Math.floor(2_000_000 / write(node).length)));
    const at = parent.children.indexOf(node);
    parent.children.splice(at + 1, 0, ...Array.from({ length: times }, () => clone(node)));
    d.log.push(`duplicate ${pathOf(node)} x${times}`);
  }, 6],
  ['remove', (rng, d) => {
    const { node, parent } = rng.chance(0.8) ? somePayloadElement(rng, d, false) : rng.pick(elements(d.envelope));
    if (!parent) {
      d.envelope.children = [];
      d.log.push('remove everything inside Envelope');
      return;
    }
    parent.children.splice(parent.children.indexOf(node), 1);
    d.log.push(`remove ${pathOf(node)}`);
  }, 6],
  ['reorder', (rng, d) => {
    const { node } = someElement(rng, d);
    rng.shuffle(node.children);
    d.log.push(`reorder children of ${pathOf(node)}`);
  }, 4],
  ['nest', (rng, d) => {
    const target = rng.pick(leaves(payloadOf(d) ?? d.envelope));
    const depth = rng.pick([20, 99, 101, 260, 3000]);
    const name = rng.pick(['a', localOf(target.name), 'cert:x']);
    const inner = target.children.map(write).join('');
    target.children = [raw(`<${name}>`.repeat(depth) + inner + `</${name}>`.repeat(depth))];
    d.log.push(`nest ${depth} <${name}> in ${pathOf(target)}`);
  }, 4],
  ['attributes', (rng, d) => {
    const { node } = rng.chance(0.5) ? { node: payloadOf(d) ?? d.envelope } : someElement(rng, d);
    const count = rng.pick([1, 3, 40, 501, 2500]);
    const style = rng.pick(['plain', 'qualified', 'soap']);
    for (let i = 0; i < count; i++) {
      if (style === 'plain') node.attrs.push([`a${i}`, `v${i}`]);
      else if (style === 'qualified') node.attrs.push([`xmlns:q${i}`, `urn:q${i}`], [`q${i}:a`, String(i)]);
      else node.attrs.push([rng.pick(['soapenv:encodingStyle', 'soapenv:actor', 'soapenv:mustUnderstand', 'xsi:type', 'xml:lang']), 'x']);
    }
    d.log.push(`${count} ${style} attributes on ${pathOf(node)}`);
  }, 5],
  ['long attribute', (rng, d) => {
    const { node } = someElement(rng, d);
    const length = rng.pick([1024, 65_537, 300_000]);
    node.attrs.push(['lungo', rng.pick(['x', 'à', ' ', '&']).repeat(length)]);
    d.log.push(`attribute of ${length} chars on ${pathOf(node)}`);
  }, 2],
  ['namespaces', (rng, d) => {
    const payload = payloadOf(d);
    const choice = rng.int(5);
    if (choice === 0 && payload) {
      payload.attrs.push(['xmlns', CERT_NS]);
      d.log.push('default namespace on the payload root (children qualified)');
    } else if (choice === 1 && payload) {
      const child = rng.pick(childElements(payload).length > 0 ? childElements(payload) : [payload]);
      child.attrs.push(['xmlns:cert', 'urn:non-cert']);
      child.name = `cert:${localOf(child.name)}`;
      d.log.push(`cert prefix rebound on ${localOf(child.name)}`);
    } else if (choice === 2) {
      const { node } = someElement(rng, d);
      node.attrs.push(['xmlns', '']);
      d.log.push(`xmlns="" on ${pathOf(node)}`);
    } else {
      const { node } = someElement(rng, d);
      const count = rng.pick([1, 20, 600]);
      for (let i = 0; i < count; i++) node.attrs.push([`xmlns:n${i}`, `urn:n:${i}`]);
      d.log.push(`${count} namespace declarations on ${pathOf(node)}`);
    }
  }, 4],
  ['prefix', (rng, d) => {
    const [from, uriName] = rng.chance(0.5) ? ['soapenv', 'xmlns:soapenv'] : ['cert', 'xmlns:cert'];
    const to = rng.pick(['s', 'SOAP-ENV', 'x', 'soap', 'cert', 'soapenv', 'xml', 'xmlns']);
    const consistent = rng.chance(0.6);
    for (const { node } of elements(d.envelope)) {
      if (node.name.startsWith(`${from}:`)) node.name = `${to}:${localOf(node.name)}`;
      if (consistent) node.attrs = node.attrs.map(([n, v]) => [n === uriName ? `xmlns:${to}` : n, v]);
    }
    d.log.push(`prefix ${from} -> ${to}${consistent ? '' : ' (declaration left)'}`);
  }, 3],
  ['rename', (rng, d) => {
    const { node } = someElement(rng, d);
    const local = localOf(node.name);
    const prefix = node.name.includes(':') ? node.name.slice(0, node.name.indexOf(':') + 1) : '';
    const renamed = rng.pick([local.toUpperCase(), `${local}X`, local.slice(1) || 'x', `${local}-${local}`, 'Envelope', 'Body', 'Header', 'Fault', 'x'.repeat(rng.pick([100, 2000]))]);
    node.name = `${prefix}${renamed}`;
    d.log.push(`rename ${local} -> ${renamed.slice(0, 40)}`);
  }, 4],
  ['value', (rng, d) => {
    const target = rng.pick(leaves(payloadOf(d) ?? d.envelope));
    const value = rng.pick(ODD_VALUES);
    target.children = value === '' && rng.chance(0.5) ? [] : [text(value)];
    d.log.push(`${pathOf(target)} = ${JSON.stringify(value.slice(0, 40))}`);
  }, 8],
  ['huge text', (rng, d) => {
    const target = rng.pick(leaves(payloadOf(d) ?? d.envelope));
    const length = rng.pick([5_000, 70_000, 1_100_000]);
    const unit = rng.pick(['a', 'à', '€', '&', ' ', '\n']);
    target.children = [text(unit.repeat(length))];
    d.log.push(`${pathOf(target)} = ${length} x ${JSON.stringify(unit)}`);
  }, 2],
  ['markup', (rng, d) => {
    const { node } = someElement(rng, d);
    const markup = rng.pick(RAW_MARKUP);
    node.children.splice(rng.int(node.children.length + 1), 0, raw(markup));
    d.log.push(`markup ${JSON.stringify(markup)} in ${pathOf(node)}`);
  }, 6],
  ['payload', (rng, d, bases) => {
    const body = bodyOf(d);
    if (!body) return;
    const other = payloadOfBase(rng.pick(bases));
    const choice = rng.int(5);
    if (choice === 0) body.children = [other];
    else if (choice === 1) body.children.push(other);
    else if (choice === 2) body.children = [el('cert:inesistenteRequest', [['xmlns:cert', CERT_NS]], [text('x')])];
    else if (choice === 3) body.children = [el('invioMalattiaRequest', [], payloadOf(d)?.children ?? [])];
    else body.children = [];
    d.log.push(`payload ${['swapped', 'second payload', 'unknown root', 'root in no namespace', 'emptied'][choice]}${choice < 2 ? ` (${localOf(other.name)})` : ''}`);
  }, 4],
  ['after body', (rng, d) => {
    const count = rng.pick([1, 1, 10, 1000]);
    const qualified = rng.chance(0.6);
    for (let i = 0; i < count; i++) {
      d.envelope.children.push(qualified ? el('x:dopo', [['xmlns:x', 'urn:x']], [text(String(i))]) : el('dopo', [], [text(String(i))]));
    }
    d.log.push(`${count} ${qualified ? 'qualified' : 'unqualified'} elements after Body`);
  }, 3],
  ['headers', (rng, d) => {
    const soap = prefixOf(d, 'Body');
    const entry = (): El => {
      const attrs: Array<[string, string]> = [['xmlns:h', 'urn:h'], [`${soap}:mustUnderstand`, rng.pick(MUST_UNDERSTAND)]];
      const actor = rng.pick(ACTORS);
      if (actor !== undefined) attrs.push([`${soap}:actor`, actor]);
      return el('h:Intestazione', attrs, [text('x')]);
    };
    const choice = rng.int(4);
    const header = el(`${soap}:Header`, [], [entry()]);
    const bodyAt = d.envelope.children.findIndex((c) => c.kind === 'el' && localOf(c.name) === 'Body');
    d.envelope.children = d.envelope.children.filter((c) => !(c.kind === 'el' && localOf(c.name) === 'Header'));
    if (choice === 0) d.envelope.children.unshift(header);
    else if (choice === 1) d.envelope.children.push(header);
    else if (choice === 2) d.envelope.children.unshift(header, el(`${soap}:Header`, [], [entry()]));
    else {
      const body = bodyOf(d);
      if (body) d.envelope.children.splice(bodyAt + 1, 0, clone(body));
    }
    const last = header.children[0] as El;
    d.log.push(['Header', 'Header after Body', 'two Headers', 'two Bodies'][choice]! + (choice < 3 ? ` mustUnderstand=${JSON.stringify(last.attrs[1]![1])} actor=${JSON.stringify(last.attrs[2]?.[1])}` : ''));
  }, 4],
  ['envelope', (rng, d) => {
    const choice = rng.int(4);
    if (choice === 0) {
      d.envelope.attrs = d.envelope.attrs.map(([n, v]) => [n, v === SOAP11_NS ? 'http://www.w3.org/2003/05/soap-envelope' : v]);
      d.log.push('SOAP 1.2 envelope namespace');
    } else if (choice === 1) {
      d.envelope.children.splice(rng.int(d.envelope.children.length + 1), 0, text(rng.pick(['testo', '  x  ', '\u00A0'])));
      d.log.push('text between Envelope children');
    } else if (choice === 2) {
      d.envelope = payloadOf(d) ?? d.envelope;
      d.log.push('payload without envelope');
    } else {
      d.envelope.attrs = d.envelope.attrs.filter(([n]) => !n.startsWith('xmlns'));
      d.log.push('Envelope without namespace declarations');
    }
  }, 3],
];

function prefixOf(d: Draft, local: string): string {
  const found = childElements(d.envelope).find((c) => localOf(c.name) === local);
  return found && found.name.includes(':') ? found.name.slice(0, found.name.indexOf(':')) : 'soapenv';
}

function payloadOfBase(base: BaseRequest): El {
  const body = childElements(base.envelope).find((c) => localOf(c.name) === 'Body')!;
  return clone(childElements(body)[0]!);
}

type TextMutation = (rng: Rng, d: Draft) => void;

const textLevel: ReadonlyArray<readonly [string, TextMutation, number]> = [
  ['doctype', (rng, d) => {
    const target = rng.pick(leaves(payloadOf(d) ?? d.envelope));
    const root = d.envelope.name;
    const kind = rng.int(5);
    if (kind === 0) {
      d.prolog = `<!DOCTYPE ${root} [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n`;
      target.children = [raw('&d;')];
    } else if (kind === 1) {
      d.prolog = `<!DOCTYPE ${root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n`;
      target.children = [raw('&xxe;')];
    } else if (kind === 2) {
      d.prolog = `<!DOCTYPE ${root} SYSTEM "http://127.0.0.1:9/esterno.dtd">\n`;
    } else if (kind === 3) {
      d.prolog = `<!DOCTYPE ${root} [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>\n`;
    } else {
      d.prolog = `<!DOCTYPE ${root} [<!ATTLIST ${root} extra CDATA "predefinito">]>\n`;
    }
    d.log.push(`DOCTYPE ${['nested entities', 'external entity', 'external DTD', 'parameter entity', 'ATTLIST default']![kind]}`);
  }, 3],
  ['prolog', (rng, d) => {
    const extra = rng.pick(['<!-- prima -->\n', '<?pi prima?>\n', '<?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?>', ' \n', '<?xml version="1.0"?>']);
    d.prolog += extra;
    d.log.push(`prolog ${JSON.stringify(extra)}`);
  }, 2],
  ['declaration', (rng, d) => {
    const kind = rng.int(5);
    if (kind === 0) d.declaration = `<?xml version="1.0" encoding="${rng.pick(ENCODINGS)}"?>\n`;
    else if (kind === 1) d.declaration = '';
    else if (kind === 2) d.declaration = `<?xml version="${rng.pick(['1.1', '2.0', '', '1'])}" encoding="UTF-8"?>\n`;
    else if (kind === 3) d.declaration = ` ${WRITE_DECL}`;
    else d.declaration = `<?xml version="1.0" encoding="UTF-8" standalone="${rng.pick(['yes', 'no', 'forse'])}"?>\n`;
    d.log.push(`declaration ${JSON.stringify(d.declaration.trim())}`);
  }, 4],
  ['charset', (rng, d) => {
    const kind = rng.int(4);
    if (kind === 0) {
      d.encoding = 'latin1';
      d.declaration = '<?xml version="1.0" encoding="ISO-8859-1"?>\n';
    } else if (kind === 1) {
      d.encoding = 'latin1';
    } else if (kind === 2) {
      d.encoding = 'latin1';
      d.contentType = 'text/xml; charset=ISO-8859-1';
      d.declaration = '';
    } else {
      d.encoding = 'utf16le';
    }
    d.log.push(['Latin-1 bytes, declared', 'Latin-1 bytes, declared UTF-8', 'Latin-1 bytes, charset in Content-Type only', 'UTF-16LE bytes with BOM'][kind]!);
  }, 3],
];

type ByteMutation = (rng: Rng, bytes: Buffer, other: Buffer) => { bytes: Buffer; what: string };

const ODD_BYTES = [
  [0x00], [0x80], [0x9f], [0x85], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xfe],
  [0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0x1b], [0x0d], [0x3c], [0x26], [0x22],
].map((b) => Buffer.from(b));
const BOMS = [Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0xff, 0xfe]), Buffer.from([0xfe, 0xff]), Buffer.from([0x00, 0x00, 0xfe, 0xff])];

function splice(bytes: Buffer, at: number, remove: number, insert: Buffer): Buffer {
  return Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at + remove)]);
}

const byteLevel: ReadonlyArray<readonly [string, ByteMutation, number]> = [
  ['flip', (rng, bytes) => {
    const out = Buffer.from(bytes);
    const flips = rng.between(1, 8);
    for (let i = 0; i < flips && out.length > 0; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8);
    return { bytes: out, what: `flip ${flips} bits` };
  }, 5],
  ['insert', (rng, bytes) => {
    const at = rng.int(bytes.length + 1);
    const insert = rng.chance(0.7) ? rng.pick(ODD_BYTES) : rng.bytes(rng.between(1, 8));
    return { bytes: splice(bytes, at, 0, insert), what: `insert ${insert.toString('hex')} at ${at}` };
  }, 6],
  ['delete', (rng, bytes) => {
    const at = rng.int(bytes.length);
    const length = rng.between(1, 64);
    return { bytes: splice(bytes, at, length, Buffer.alloc(0)), what: `delete ${length} at ${at}` };
  }, 4],
  ['truncate', (rng, bytes) => {
    const at = rng.int(bytes.length);
    return { bytes: bytes.subarray(0, at), what: `truncate at ${at}` };
  }, 3],
  ['duplicate range', (rng, bytes) => {
    const from = rng.int(bytes.length);
    const length = rng.between(1, 256);
    const times = rng.pick([1, 1, 100]);
    const piece = bytes.subarray(from, from + length);
    const at = rng.int(bytes.length + 1);
    return { bytes: splice(bytes, at, 0, Buffer.concat(Array.from({ length: times }, () => piece))), what: `copy ${piece.length} bytes from ${from} x${times} to ${at}` };
  }, 3],
  ['splice', (rng, bytes, other) => {
    const cut = rng.int(bytes.length);
    const from = rng.int(other.length);
    return { bytes: Buffer.concat([bytes.subarray(0, cut), other.subarray(from)]), what: `splice at ${cut} with another request from ${from}` };
  }, 3],
  ['run', (rng, bytes) => {
    const byte = rng.pick([0x41, 0x20, 0x00, 0x3c, 0x26, 0xc3, 0x80, 0x0a]);
    const length = rng.pick([100, 10_000, 300_000]);
    const at = rng.int(bytes.length + 1);
    return { bytes: splice(bytes, at, 0, Buffer.alloc(length, byte)), what: `run of ${length} x 0x${byte.toString(16)} at ${at}` };
  }, 2],
  ['bom', (rng, bytes) => {
    const bom = rng.pick(BOMS);
    return { bytes: Buffer.concat([bom, bytes]), what: `BOM ${bom.toString('hex')}` };
  }, 2],
];

type HttpMutation = (rng: Rng, d: Draft, base: BaseRequest) => void;

const httpLevel: ReadonlyArray<readonly [string, HttpMutation, number]> = [
  ['content type', (rng, d) => {
    d.contentType = rng.pick(CONTENT_TYPES);
    d.log.push(`Content-Type ${JSON.stringify(d.contentType?.slice(0, 60) ?? null)}`);
  }, 4],
  ['soap action', (rng, d, base) => {
    const other = ['InviaMalattia', 'AnnullaRicovero', 'RicercaMalattia', 'Inesistente'];
    d.soapAction = rng.pick([null, '', '""', base.operation, `"${rng.pick(other)}"`, `http://ws.cert.sanita.finanze.it/${rng.pick(other)}`, 'urn:x', `"${'a'.repeat(5000)}"`, `"${base.soapAction}`, '"à"']);
    d.log.push(`SOAPAction ${JSON.stringify(d.soapAction?.slice(0, 60) ?? null)}`);
  }, 3],
  ['chunked', (_rng, d) => {
    d.chunked = true;
    d.log.push('chunked, no Content-Length');
  }, 2],
];

const AUTH: ReadonlyArray<readonly [string, string | null]> = [
  ['no Authorization', null],
  ['wrong password of a real user', basic(DEMO.medico2.user, 'Sbagliata.2026')],
  ['unknown user', basic('SCNSCN00A01H501X', 'Qualunque.2026')],
  ['empty password', basic(DEMO.medico2.user, '')],
  ['not Base64', 'Basic %%%non-base64%%%'],
  ['no colon', `Basic ${Buffer.from('senzaduepunti').toString('base64')}`],
  ['Bearer scheme', 'Bearer abc.def.ghi'],
  ['bare Basic', 'Basic'],
  ['control character in the user', basic(`${DEMO.medico2.user}\u0001`, DEMO.medico2.password)],
  ['NUL in the password', basic(DEMO.medico2.user, `${DEMO.medico2.password}\u0000`)],
  ['newline after the password', basic(DEMO.medico2.user, `${DEMO.medico2.password}\n`)],
  ['very long user', basic('U'.repeat(6000), 'x')],
  ['Latin-1 credentials', `Basic ${Buffer.from('utènte:pàssword', 'latin1').toString('base64')}`],
  ['lower-case scheme, wrong password', `basic ${Buffer.from(`${DEMO.medico2.user}:no`).toString('base64')}`],
];

function render(d: Draft): Buffer {
  const xml = d.declaration + d.prolog + write(d.envelope);
  if (d.encoding === 'utf16le') return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
  return Buffer.from(xml, d.encoding);
}

function pickWeighted<T>(rng: Rng, table: ReadonlyArray<readonly [string, T, number]>): T {
  return rng.weighted(table.map(([, fn, w]) => [fn, w] as const));
}

export function baseDraft(base: BaseRequest): Draft {
  return {
    envelope: clone(base.envelope),
    declaration: WRITE_DECL,
    prolog: '',
    encoding: 'utf8',
    contentType: 'text/xml; charset=utf-8',
    soapAction: `"${base.soapAction}"`,
    authorization: basic(base.credentials.user, base.credentials.password),
    chunked: false,
    log: [],
  };
}

/** The unmutated request of a base, as the fuzzer would send it. */
export function baseBody(base: BaseRequest): Buffer {
  return render(baseDraft(base));
}

/** Case `index` of the run seeded `seed`: the same three inputs always give the same case. */
export function makeCase(seed: number, index: number, bases: readonly BaseRequest[]): FuzzCase {
  const rng = Rng.forCase(seed, index);
  const base = rng.pick(bases);
  const d = baseDraft(base);
  const mode = rng.weighted([['control', 2], ['auth', 4], ['mutate', 94]] as const);
  let phase: Phase = 'main';
  let bytes: Buffer;

  if (mode === 'control') {
    d.log.push('unmutated');
    bytes = render(d);
  } else if (mode === 'auth') {
    phase = 'auth';
    const [what, header] = rng.pick(AUTH);
    d.authorization = header;
    d.log.push(`auth: ${what}`);
    if (rng.chance(0.3)) pickWeighted(rng, structure)(rng, d, bases);
    bytes = render(d);
  } else {
    const structural = rng.weighted([[0, 2], [1, 5], [2, 3], [3, 1]] as const);
    for (let i = 0; i < structural; i++) pickWeighted(rng, structure)(rng, d, bases);
    if (rng.chance(0.2)) pickWeighted(rng, textLevel)(rng, d);
    if (rng.chance(0.15)) pickWeighted(rng, httpLevel)(rng, d, base);
    bytes = render(d);
    const byteMutations = rng.weighted([[0, 6], [1, 3], [2, 1]] as const);
    const other = baseBody(rng.pick(bases));
    for (let i = 0; i < byteMutations; i++) {
      const done = pickWeighted(rng, byteLevel)(rng, bytes, other);
      bytes = done.bytes;
      d.log.push(done.what);
    }
    if (d.log.length === 0) {
      const done = pickWeighted(rng, byteLevel)(rng, bytes, other);
      bytes = done.bytes;
      d.log.push(done.what);
    }
  }
  if (bytes.length > MAX_CASE_BYTES) {
    bytes = bytes.subarray(0, MAX_CASE_BYTES);
    d.log.push(`cut to ${MAX_CASE_BYTES} bytes`);
  }
  return {
    seed,
    index,
    phase,
    base: base.name,
    mutations: d.log,
    body: bytes,
    contentType: d.contentType,
    soapAction: d.soapAction,
    authorization: d.authorization,
    chunked: d.chunked,
  };
}

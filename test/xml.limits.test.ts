/**
 * The XML limits walk on its own (no server): every limit holds at exactly
 * its value and trips one past it, namespace declarations count as
 * attributes, the prolog and epilog are walked too, the path in the fault
 * stays short, each node is visited once; and the settings are read and
 * range-checked in config.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';
import { SoapFault } from '../src/catalog/diagnostics.js';
import { xsBoolean } from '../src/soap/envelope.js';
import { DEFAULT_XML_LIMITS, limitsWork, type XmlLimits } from '../src/xml/limits.js';
import { parseXml } from '../src/xml/parse.js';

const SMALL: XmlLimits = {
  maxDepth: 10,
  maxChildren: 100,
  maxAttributes: 10,
  maxAttributeLength: 256,
  maxTextLength: 4096,
  maxElements: 200,
  maxNameLength: 64,
};

/** Parse with these limits; the fault's text if refused, 'ok' if not. */
function check(xml: string, limits: XmlLimits = SMALL, charset: 'UTF-8' | 'ISO-8859-1' = 'UTF-8'): string {
  try {
    parseXml(Buffer.from(xml, charset === 'UTF-8' ? 'utf8' : 'latin1'), charset, limits).dispose();
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof SoapFault, String(err));
    assert.equal(err.key, 'XML_LIMIT');
    assert.equal(err.code, 'SAC_FAULT_XML_LIMIT');
    assert.equal(err.faultcode, 'Client');
    return err.message;
  }
}

const nest = (n: number) => `${'<d>'.repeat(n)}${'</d>'.repeat(n)}`;
const attrs = (n: number, prefix = 'a') => Array.from({ length: n }, (_, i) => ` ${prefix}${i}="${i}"`).join('');

describe('each limit at its value and one past it', () => {
  test('depth', () => {
    assert.equal(check(nest(10)), 'ok');
    assert.match(check(nest(11)), /al massimo 10 livelli di annidamento .*\(superato in d\/d\/d\/…\/d\/d\)/);
  });

  test('children of one element', () => {
    assert.equal(check(`<r>${'<c/>'.repeat(100)}</r>`), 'ok');
    assert.match(check(`<r>${'<c/>'.repeat(101)}</r>`), /al massimo 100 elementi figli .*\(superato in r\)/);
    // Counted per parent: 100 + 99 under two parents (and 2 + root) is within the 200 elements.
    assert.equal(check(`<r><p>${'<c/>'.repeat(100)}</p><q>${'<c/>'.repeat(94)}</q></r>`), 'ok');
  });

  test('attributes, namespace declarations included', () => {
    assert.equal(check(`<r${attrs(10)}/>`), 'ok');
    assert.match(check(`<r${attrs(11)}/>`), /al massimo 10 attributi .*\(superato in r\)/);
    assert.match(check(`<r${attrs(6)}${attrs(5, 'xmlns:p').replace(/="(\d+)"/g, '="urn:$1"')}/>`), /al massimo 10 attributi/);
    assert.equal(check(`<r${attrs(5)}${attrs(5, 'xmlns:p').replace(/="(\d+)"/g, '="urn:$1"')}/>`), 'ok');
  });

  test('attribute value and namespace URI length, in UTF-8 bytes', () => {
    assert.equal(check(`<r a="${'v'.repeat(256)}"/>`), 'ok');
    assert.match(check(`<r a="${'v'.repeat(257)}"/>`), /al massimo 256 byte nel valore di un attributo .*\(superato in r\)/);
    assert.match(check(`<r xmlns:p="urn:${'v'.repeat(253)}"/>`), /byte nel valore di un attributo/);
    // 128 'è' are 128 bytes in ISO-8859-1 but 256 in UTF-8 (libxml2's form): at the limit; one more is past it.
    assert.equal(check(`<?xml version="1.0" encoding="ISO-8859-1"?><r a="${'è'.repeat(128)}"/>`, SMALL, 'ISO-8859-1'), 'ok');
    assert.match(check(`<?xml version="1.0" encoding="ISO-8859-1"?><r a="${'è'.repeat(129)}"/>`, SMALL, 'ISO-8859-1'), /byte nel valore/);
    // Character references are counted as what they stand for.
    assert.match(check(`<r a="${'&#65;'.repeat(257)}"/>`), /byte nel valore/);
  });

  test('text, CDATA and comments; a processing instruction is refused outright (SOAP 1.1)', () => {
    assert.equal(check(`<r>${'t'.repeat(4096)}</r>`), 'ok');
    assert.match(check(`<r><s>${'t'.repeat(4097)}</s></r>`), /al massimo 4096 byte in un nodo di testo .*\(superato in r\/s\)/);
    assert.match(check(`<r><![CDATA[${'t'.repeat(4097)}]]></r>`), /nodo di testo/);
    assert.match(check(`<r><!--${'t'.repeat(4097)}--></r>`), /nodo di testo/);
    assert.throws(
      () => parseXml(Buffer.from('<r><?pi x?></r>'), 'UTF-8', SMALL).dispose(),
      (err: unknown) => err instanceof SoapFault && err.key === 'ENVELOPE_STRUCTURE' && /istruzioni di elaborazione/.test(err.message),
    );
    // Before and after the root element too.
    assert.match(check(`<!--${'t'.repeat(4097)}--><r/>`), /nodo di testo .*\(superato in fuori dall'elemento radice\)/);
    assert.match(check(`<r/><!--${'t'.repeat(4097)}-->`), /nodo di testo/);
  });

  test('elements in all', () => {
    const group = (n: number) => `<g>${'<e/>'.repeat(n)}</g>`;
    // root + 2 groups + 197 = 200.
    assert.equal(check(`<r>${group(99)}${group(98)}</r>`), 'ok');
    assert.match(check(`<r>${group(99)}${group(99)}</r>`), /al massimo 200 elementi nel messaggio .*\(superato in r\/g\/e\)/);
  });

  test('names: element, attribute, namespace prefix', () => {
    const at = 'n'.repeat(64);
    const past = 'n'.repeat(65);
    assert.equal(check(`<${at} ${at}="1" xmlns:${at}="urn:x"/>`), 'ok');
    assert.match(check(`<r><${past}/></r>`), /al massimo 64 byte nel nome .*\(superato in r\/n{40}…\)/);
    assert.match(check(`<r ${past}="1"/>`), /byte nel nome .*\(superato in r\)/);
    assert.match(check(`<r xmlns:${past}="urn:x"/>`), /byte nel nome/);
  });
});

describe('the walk', () => {
  test('visits every node once, prolog and epilog included', () => {
    check('<!--a--><r>t<s a="1">u</s><!--b--></r><!--c-->');
    // comment a, r, text, s, text u, comment b, comment c
    assert.equal(limitsWork.nodes, 7);
  });

  test('the default limits are CXF’s', () => {
    assert.deepEqual(DEFAULT_XML_LIMITS, {
      maxDepth: 100,
      maxChildren: 50_000,
      maxAttributes: 500,
      maxAttributeLength: 65_536,
      maxTextLength: 1_048_576,
      maxElements: 100_000,
      maxNameLength: 1024,
    });
  });

  test('a deep path is shortened and each name cut, so the fault stays small', () => {
    const long = 'x'.repeat(60);
    const message = check(`<${long}>${nest(11)}</${long}>`);
    assert.match(message, new RegExp(`superato in x{40}…/d/d/…/d/d\\)`));
    assert.ok(message.length < 250, message);
  });
});

describe('configuration', () => {
  test('defaults, and each SAC_XML_* setting', () => {
    assert.deepEqual(loadConfig({}).xmlLimits, DEFAULT_XML_LIMITS);
    const config = loadConfig({
      SAC_XML_MAX_DEPTH: '50',
      SAC_XML_MAX_CHILDREN: '1000',
      SAC_XML_MAX_ATTRIBUTES: '20',
      SAC_XML_MAX_ATTRIBUTE_LENGTH: '1024',
      SAC_XML_MAX_TEXT_LENGTH: '65536',
      SAC_XML_MAX_ELEMENTS: '5000',
      SAC_XML_MAX_NAME_LENGTH: '128',
    });
    assert.deepEqual(config.xmlLimits, {
      maxDepth: 50,
      maxChildren: 1000,
      maxAttributes: 20,
      maxAttributeLength: 1024,
      maxTextLength: 65536,
      maxElements: 5000,
      maxNameLength: 128,
    });
  });

  test('values that would break the contract or exceed libxml2 are refused at start-up', () => {
    assert.throws(() => loadConfig({ SAC_XML_MAX_DEPTH: '5' }), ConfigError);
    assert.throws(() => loadConfig({ SAC_XML_MAX_DEPTH: '300' }), ConfigError);
    assert.throws(() => loadConfig({ SAC_XML_MAX_NAME_LENGTH: '60000' }), ConfigError);
    assert.throws(() => loadConfig({ SAC_XML_MAX_ELEMENTS: 'many' }), ConfigError);
  });
});

describe('xs:boolean', () => {
  test('whitespace collapsed; only 0, 1, true, false', () => {
    assert.equal(xsBoolean(' 1 '), true);
    assert.equal(xsBoolean('\ntrue\t'), true);
    assert.equal(xsBoolean('false'), false);
    assert.equal(xsBoolean(' 0'), false);
    for (const bad of ['', 'TRUE', 'yes', '1 1', 't rue', '01']) assert.equal(xsBoolean(bad), undefined, bad);
  });
});

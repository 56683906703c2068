/**
 * XSD violations are answered as a normal response (HTTP 200) holding
 * ricevutaNonOk, codes 1001-1008, with sezioneErrata relative to the payload
 * and the catalog's Italian text; at most ten errors; nothing stored. Schema
 * errors come before identity and business rules.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResponse, post, type ParsedResponse } from './support/soapClient.js';
import { NOW, TODAY, pinnedGateway } from './support/demo.js';
import type { Running } from './support/gateway.js';
import { defaultResidenza, envelope, invioMalattia, type Fields, type InvioOptions } from './support/requests.js';
import { assertErrors, type Expected } from './support/assertions.js';

const CERT_NS = 'http://cert.sanita.finanze.it/';

let gw: Running;
let pin: string;

before(async () => {
  ({ gw, pin } = await pinnedGateway(NOW));
});
after(async () => gw.stop());

/** A valid InviaMalattia that uses every optional part, so every field can be broken. */
function validInvio(over: Partial<InvioOptions> = {}): string {
  return envelope(
    'invioMalattiaRequest',
    invioMalattia(TODAY, {
      medico: { pincode: pin },
      reperibilita: { cognome: 'Bianchi', indirizzo: { ...defaultResidenza(), via: 'Via Po' } },
      malattia: { giornataLavorata: 'false', trauma: 'false', agevolazioni: 'T' },
      ...over,
    }),
  );
}

function validInterrogazione(medico: Fields = { pincode: pin }): string {
  return envelope('interrogazioneLavoratoreRequest', { medico, lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' } });
}

/** Replace one exact piece of a request; a typo in a test must not silently leave the request valid. */
function mutate(xml: string, from: string | RegExp, to: string): string {
  const out = xml.replace(from, to);
  assert.notEqual(out, xml, `test bug: ${String(from)} not found in the request`);
  return out;
}

async function send(body: string, soapAction: string): Promise<ParsedResponse> {
  const before = await gw.gateway.store.countCertificates();
  const response = parseResponse(await post(gw.endpoint, body, { soapAction }));
  assert.equal(await gw.gateway.store.countCertificates(), before, 'nothing is stored for a request that is not schema-valid');
  return response;
}

async function invio(body: string): Promise<ParsedResponse> {
  const response = await send(body, 'http://ws.cert.sanita.finanze.it/InviaMalattia');
  assert.equal(response.root, 'invioMalattiaResponse');
  return response;
}

async function interrogazione(body: string): Promise<ParsedResponse> {
  const response = await send(body, 'http://ws.cert.sanita.finanze.it/InterrogazioneLavoratore');
  assert.equal(response.root, 'interrogazioneLavoratoreResponse');
  return response;
}

/** Exactly these errors, catalog texts, and no trace of libxml2's English. */
function assertSchemaErrors(response: ParsedResponse, expected: readonly Expected[]): void {
  assertErrors(response, expected);
  for (const e of response.errors) {
    assert.doesNotMatch(e.descrizione, /\b(Element|expected|facet|attribute|allowed|valid value)\b/, `not translated: ${e.descrizione}`);
  }
}

describe('baseline', () => {
  test('the unbroken requests are accepted, so each case below fails only because of its violation', async () => {
    const before = await gw.gateway.store.countCertificates();
    const ok = parseResponse(await post(gw.endpoint, validInvio()));
    assert.deepEqual(ok.errors, []);
    assert.match(ok.ok.idCertificato ?? '', /^\d{10}$/);
    assert.equal(await gw.gateway.store.countCertificates(), before + 1);
    const il = await interrogazione(validInterrogazione());
    assert.deepEqual(il.ok, { cognome: 'Rossi', nome: 'Mario' });
  });
});

describe('1001: a mandatory element is missing', () => {
  test('malattia/dataFine removed', async () => {
    const r = await invio(validInvio({ malattia: { dataFine: undefined } }));
    assertSchemaErrors(r, [['1001', 'malattia/dataFine']]);
    assert.match(r.errors[0]!.descrizione, /malattia\/dataFine/);
  });

  test('residenza/cap removed', async () => {
    const r = await invio(validInvio({ residenza: { ...defaultResidenza(), cap: undefined } }));
    assertSchemaErrors(r, [['1001', 'residenza/cap']]);
  });

  test('residenza/cap removed when nothing follows it', async () => {
    const r = await invio(validInvio({ residenza: { via: 'Via Nazionale', civico: '10' } }));
    assertSchemaErrors(r, [['1001', 'residenza/cap']]);
  });

  test('malattia/diagnosi removed (only optional elements follow it)', async () => {
    const r = await invio(mutate(validInvio(), /<diagnosi>.*?<\/diagnosi>/, ''));
    assertSchemaErrors(r, [['1001', 'malattia/diagnosi']]);
  });

  test('a whole section removed: lavoratore', async () => {
    assertSchemaErrors(await invio(mutate(validInvio(), /<lavoratore>.*?<\/lavoratore>/, '')), [['1001', 'lavoratore']]);
  });

  test('InterrogazioneLavoratore without lavoratore', async () => {
    assertSchemaErrors(await interrogazione(mutate(validInterrogazione(), /<lavoratore>.*?<\/lavoratore>/, '')), [['1001', 'lavoratore']]);
  });
});

describe('1002: an element not expected where it is', () => {
  test('two siblings swapped: civico before via', async () => {
    const r = await invio(mutate(validInvio(), /<residenza>(<via>[^<]*<\/via>)(<civico>[^<]*<\/civico>)/, '<residenza>$2$1'));
    assertSchemaErrors(r, [['1002', 'residenza/civico']]);
    assert.match(r.errors[0]!.descrizione, /\bvia\b/, 'the text says what was expected there');
  });

  test('dataInizio before dataRilascio', async () => {
    const r = await invio(mutate(validInvio(), /(<dataRilascio>[^<]*<\/dataRilascio>)(<dataInizio>[^<]*<\/dataInizio>)/, '$2$1'));
    assertSchemaErrors(r, [['1002', 'malattia/dataInizio']]);
  });

  test('an element the contract does not have', async () => {
    const r = await invio(mutate(validInvio(), '</residenza>', '<nazione>IT</nazione></residenza>'));
    assertSchemaErrors(r, [['1002', 'residenza/nazione']]);
  });

  test('a stray note after diagnosi, with no optional field after it: reported at its own path, not as a missing optional field', async () => {
    const body = validInvio({ malattia: { giornataLavorata: undefined, trauma: undefined, agevolazioni: undefined } });
    const r = await invio(mutate(body, '</diagnosi>', '</diagnosi><note>x</note>'));
    assertSchemaErrors(r, [['1002', 'malattia/note']]);
    assert.doesNotMatch(r.errors[0]!.descrizione, /obbligatorio/);
  });

  test('an undeclared residenza/nazione right after cap (only optional fields could follow): 1002 at residenza/nazione', async () => {
    const r = await invio(validInvio({ residenza: { via: 'Via Nazionale', civico: '10', cap: '00184', nazione: 'IT' } }));
    assertSchemaErrors(r, [['1002', 'residenza/nazione']]);
  });

  test('a stray element where a mandatory one is expected: the stray one is reported, at its own path', async () => {
    const r = await invio(mutate(validInvio(), /<cap>[^<]*<\/cap>/, '<nazione>IT</nazione>'));
    assertSchemaErrors(r, [['1002', 'residenza/nazione']]);
  });

  test('InterrogazioneLavoratore with an extra section', async () => {
    const r = await interrogazione(mutate(validInterrogazione(), '</lavoratore>', '</lavoratore><residenza/>'));
    assertSchemaErrors(r, [['1002', 'residenza']]);
  });
});

describe('1003: a value that does not match its pattern', () => {
  test("cap '0018'", async () => {
    const r = await invio(validInvio({ residenza: { ...defaultResidenza(), cap: '0018' } }));
    assertSchemaErrors(r, [['1003', 'residenza/cap']]);
    assert.match(r.errors[0]!.descrizione, /'0018'/);
  });

  test("dataInizio '2026-1-01'", async () => {
    assertSchemaErrors(await invio(validInvio({ malattia: { dataInizio: '2026-1-01' } })), [['1003', 'malattia/dataInizio']]);
  });

  test("visita 'X'", async () => {
    assertSchemaErrors(await invio(validInvio({ malattia: { visita: 'X' } })), [['1003', 'malattia/visita']]);
  });

  test('a lower-case codice fiscale for the doctor, and a two-digit codiceRegione, on InterrogazioneLavoratore', async () => {
    assertSchemaErrors(await interrogazione(validInterrogazione({ codiceFiscale: 'rssmra80a01h501u' })), [['1003', 'medico/codiceFiscale']]);
    assertSchemaErrors(await interrogazione(validInterrogazione({ pincode: pin, codiceRegione: '12' })), [['1003', 'medico/codiceRegione']]);
  });
});

describe('1004 and 1005: lengths', () => {
  test('via of 51 characters', async () => {
    const r = await invio(validInvio({ residenza: { ...defaultResidenza(), via: 'V'.repeat(51) } }));
    assertSchemaErrors(r, [['1004', 'residenza/via']]);
    assert.match(r.errors[0]!.descrizione, /\b51\b.*\b50\b/);
  });

  test('via of exactly 50 characters is accepted', async () => {
    const r = parseResponse(await post(gw.endpoint, validInvio({ residenza: { ...defaultResidenza(), via: 'V'.repeat(50) } })));
    assert.deepEqual(r.errors, []);
  });

  test('noteDiagnosi of 201 characters', async () => {
    const r = await invio(validInvio({ diagnosi: { codiceDiagnosi: '487.1', noteDiagnosi: 'n'.repeat(201) } }));
    assertSchemaErrors(r, [['1004', 'malattia/diagnosi/noteDiagnosi']]);
  });

  test('InterrogazioneLavoratore: a worker codice fiscale of 201 characters', async () => {
    const r = await interrogazione(mutate(validInterrogazione(), 'RSSMRA80A01H501U', 'X'.repeat(201)));
    assertSchemaErrors(r, [['1004', 'lavoratore/codiceFiscale']]);
  });

  test("via 'A' is too short", async () => {
    const r = await invio(validInvio({ residenza: { ...defaultResidenza(), via: 'A' } }));
    assertSchemaErrors(r, [['1005', 'residenza/via']]);
    assert.match(r.errors[0]!.descrizione, /\b1\b.*\b2\b/);
  });

  test('an empty civico is too short', async () => {
    assertSchemaErrors(await invio(validInvio({ residenza: { ...defaultResidenza(), civico: '' } })), [['1005', 'residenza/civico']]);
  });
});

describe('1006: text inside an element that holds only elements', () => {
  test('text at the start of residenza, and at the end of malattia', async () => {
    assertSchemaErrors(await invio(mutate(validInvio(), '<residenza>', '<residenza>testo')), [['1006', 'residenza']]);
    assertSchemaErrors(await invio(mutate(validInvio(), '</malattia>', 'coda</malattia>')), [['1006', 'malattia']]);
  });

  test('InterrogazioneLavoratore: text inside lavoratore', async () => {
    assertSchemaErrors(await interrogazione(mutate(validInterrogazione(), '<lavoratore>', '<lavoratore>x')), [['1006', 'lavoratore']]);
  });
});

describe('1007: attributes', () => {
  test('an unknown attribute on a complex element and on a leaf', async () => {
    const r = await invio(mutate(validInvio(), '<residenza>', '<residenza foo="bar">'));
    assertSchemaErrors(r, [['1007', 'residenza']]);
    assert.match(r.errors[0]!.descrizione, /\(foo\)/);
    assertSchemaErrors(await invio(mutate(validInvio(), '<cap>', '<cap tipo="x">')), [['1007', 'residenza/cap']]);
  });

  test('a namespaced attribute is no more allowed', async () => {
    const r = await invio(mutate(validInvio(), '<residenza>', '<residenza xmlns:x="urn:x" x:foo="1">'));
    assertSchemaErrors(r, [['1007', 'residenza']]);
  });

  test('InterrogazioneLavoratore: an attribute on lavoratore', async () => {
    assertSchemaErrors(await interrogazione(mutate(validInterrogazione(), '<lavoratore>', '<lavoratore a="1">')), [['1007', 'lavoratore']]);
  });
});

describe('children are unqualified (elementFormDefault="unqualified")', () => {
  test('a leaf in the cert namespace is refused', async () => {
    const r = await invio(mutate(validInvio(), /<dataFine>([^<]*)<\/dataFine>/, '<cert:dataFine>$1</cert:dataFine>'));
    assertSchemaErrors(r, [['1008', 'malattia/dataFine']]);
  });

  test('a section in the cert namespace is refused', async () => {
    const r = await invio(mutate(validInvio(), /<medico>(.*?)<\/medico>/, '<cert:medico>$1</cert:medico>'));
    assertSchemaErrors(r, [['1008', 'medico']]);
  });

  test('a default namespace on the payload root qualifies every child: refused at the first one', async () => {
    const body = mutate(validInvio(), '<cert:invioMalattiaRequest>', `<cert:invioMalattiaRequest xmlns="${CERT_NS}">`);
    assertSchemaErrors(await invio(body), [['1008', 'medico']]);
  });

  test('a payload root written with a default namespace (children reset with xmlns="") is valid, and its errors have the same sezioneErrata', async () => {
    // The style of several SOAP toolkits: no prefix on the root, children taken out of the namespace.
    const unprefixed = (xml: string, root: string): string =>
      mutate(mutate(xml, `<cert:${root}>`, `<${root} xmlns="${CERT_NS}">`), `</cert:${root}>`, `</${root}>`).replace(
        /<(medico|lavoratore|residenza|reperibilita|malattia)>/g,
        '<$1 xmlns="">',
      );
    const il = unprefixed(validInterrogazione(), 'interrogazioneLavoratoreRequest');
    assert.deepEqual((await interrogazione(il)).ok, { cognome: 'Rossi', nome: 'Mario' });
    assertSchemaErrors(await interrogazione(mutate(il, 'RSSMRA80A01H501U', 'X'.repeat(201))), [['1004', 'lavoratore/codiceFiscale']]);
    const im = unprefixed(validInvio({ residenza: { ...defaultResidenza(), cap: '0018' } }), 'invioMalattiaRequest');
    assertSchemaErrors(await invio(im), [['1003', 'residenza/cap']]);
  });

  test('InterrogazioneLavoratore: lavoratore in the cert namespace', async () => {
    const r = await interrogazione(mutate(validInterrogazione(), /<lavoratore>(.*?)<\/lavoratore>/, '<cert:lavoratore>$1</cert:lavoratore>'));
    assertSchemaErrors(r, [['1008', 'lavoratore']]);
  });
});

describe('many violations at once', () => {
  test('fifteen distinct violations give exactly ten errors, each naming one of them', async () => {
    const violations: Array<[string, RegExp, string]> = [
      ['residenza/via', /<via>Via Nazionale</, `<via>${'V'.repeat(51)}<`],
      ['residenza/civico', /<civico>10</, `<civico>${'1'.repeat(16)}<`],
      ['residenza/cap', /<cap>00184</, '<cap>1<'],
      ['residenza/codiceCatastale', /<codiceCatastale>H501</, '<codiceCatastale>1234<'],
      ['residenza/comune', /<comune>Roma</, `<comune>${'c'.repeat(26)}<`],
      ['residenza/provincia', /<provincia>RM</, '<provincia>R1<'],
      ['reperibilita/cognome', /<cognome>Bianchi</, '<cognome>B1<'],
      ['malattia/ruoloMedico', /<ruoloMedico>S</, '<ruoloMedico>X<'],
      ['malattia/dataRilascio', /<dataRilascio>[^<]*</, '<dataRilascio>oggi<'],
      ['malattia/dataInizio', /<dataInizio>[^<]*</, '<dataInizio>ieri<'],
      ['malattia/dataFine', /<dataFine>[^<]*</, '<dataFine>domani<'],
      ['malattia/visita', /<visita>A</, '<visita>X<'],
      ['malattia/tipoCertificato', /<tipoCertificato>I</, '<tipoCertificato>X<'],
      ['malattia/diagnosi/codiceDiagnosi', /<codiceDiagnosi>487.1</, '<codiceDiagnosi>ABC<'],
      ['malattia/diagnosi/noteDiagnosi', /<noteDiagnosi>[^<]*</, `<noteDiagnosi>${'n'.repeat(201)}<`],
    ];
    assert.equal(new Set(violations.map(([where]) => where)).size, 15);
    let body = validInvio();
    for (const [, from, to] of violations) body = mutate(body, from, to);

    const r = await invio(body);
    assert.equal(r.errors.length, 10, JSON.stringify(r.errors));
    const named = new Set(violations.map(([where]) => where));
    const reported = new Set(r.errors.map((e) => e.sezioneErrata));
    assert.equal(reported.size, 10, 'each error names a different field');
    for (const e of r.errors) {
      assert.ok(named.has(e.sezioneErrata), `unexpected sezioneErrata ${e.sezioneErrata}`);
      assert.match(e.tipoErrore, /^100[345]$/);
    }
    assertErrors(r, r.errors.map((e) => [e.tipoErrore, e.sezioneErrata] as const));
  });
});

describe('schema errors come first', () => {
  test('an identity problem and a rule problem are not reported alongside a schema error', async () => {
    // No pincode (2001) and an unknown cadastral code (6002) would be errors too, once schema-valid.
    const body = validInvio({ medico: {}, residenza: { ...defaultResidenza(), codiceCatastale: 'Z999', cap: '0018' } });
    assertSchemaErrors(await invio(body), [['1003', 'residenza/cap']]);
    assertSchemaErrors(await interrogazione(mutate(validInterrogazione({}), 'RSSMRA80A01H501U', 'X'.repeat(201))), [
      ['1004', 'lavoratore/codiceFiscale'],
    ]);
  });
});

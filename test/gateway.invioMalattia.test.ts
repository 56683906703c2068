/**
 * InviaMalattia end to end: every rule rejecting and accepting, against a
 * real server on a loopback port and a real SQLite file. The clock is pinned
 * so "today" and "yesterday" are known days in Europe/Rome.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { checkCharacter } from '../src/domain/codiceFiscale.js';
import { DEMO, basic, parseResponse, post, type ParsedResponse } from './support/soapClient.js';
import { NOW, TODAY, pinnedGateway } from './support/demo.js';
import { NO_RESUBMISSION_DETECTION, type Running } from './support/gateway.js';
import { defaultResidenza, envelope, invioMalattia, type Fields, type InvioOptions } from './support/requests.js';

// The day before TODAY (NOW is 10:00 in Rome on a Wednesday in winter, UTC+1).
const YESTERDAY = '2026-11-24';

let gw: Running;
let pin: string;

before(async () => {
  ({ gw, pin } = await pinnedGateway(NOW, NO_RESUBMISSION_DETECTION));
});
after(async () => gw.stop());

async function send(options: Partial<InvioOptions> & { auth?: string } = {}): Promise<ParsedResponse> {
  const fields = invioMalattia(TODAY, { medico: { pincode: pin }, ...options });
  const result = await post(gw.endpoint, envelope('invioMalattiaRequest', fields), {
    auth: options.auth,
    soapAction: 'http://ws.cert.sanita.finanze.it/InviaMalattia',
  });
  return parseResponse(result);
}

function codes(response: ParsedResponse): string[] {
  return response.errors.map((e) => e.tipoErrore);
}

function assertRejected(response: ParsedResponse, tipoErrore: string, sezioneErrata?: string): void {
  const hit = response.errors.find((e) => e.tipoErrore === tipoErrore);
  assert.ok(hit, `expected ${tipoErrore}, got ${JSON.stringify(response.errors)}`);
  if (sezioneErrata !== undefined) assert.equal(hit.sezioneErrata, sezioneErrata);
  assert.ok(hit.descrizione.length > 10);
  assert.equal(response.ok.idCertificato, undefined);
}

function assertAccepted(response: ParsedResponse): string {
  assert.deepEqual(response.errors, [], JSON.stringify(response.errors));
  const id = response.ok.idCertificato;
  assert.match(id ?? '', /^[1-9][0-9]{9}$/);
  assert.match(response.ok.dataRicezione ?? '', /^2026-11-25T10:00:00\.\d{3}\+01:00$/);
  return id!;
}

describe('InviaMalattia: acceptance and storage', () => {
  test('a valid certificate gets a PUC and is stored as sent', async () => {
    const before = await gw.gateway.store.countCertificates();
    const id = assertAccepted(await send());
    assert.equal(await gw.gateway.store.countCertificates(), before + 1);
    const stored = await gw.gateway.store.getCertificate(id);
    assert.ok(stored);
    assert.equal(stored.medicoCf, DEMO.medico.user);
    assert.equal(stored.lavoratoreCf, 'RSSMRA80A01H501U');
    assert.equal(stored.document.malattia?.diagnosi.codiceDiagnosi, '487.1');
    assert.equal(stored.state, 'attivo');
  });

  test('PUCs are distinct and share no common prefix pattern across a series', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add(assertAccepted(await send()));
    assert.equal(ids.size, 20);
    const prefixes = new Set([...ids].map((id) => id.slice(0, 4)));
    assert.ok(prefixes.size > 10, 'PUCs look sequential');
  });

  test('the worker CF may arrive encrypted with the service key', async () => {
    const encrypted = encryptField(gw.gateway.pincodeKey.certificatePem, 'BNCGPP75C41F205S');
    const id = assertAccepted(await send({ lavoratore: encrypted }));
    assert.equal((await gw.gateway.store.getCertificate(id))?.lavoratoreCf, 'BNCGPP75C41F205S');
  });

  test('a region sends on behalf of either demo doctor', async () => {
    for (const doctor of [DEMO.medico.user, DEMO.medico2.user]) {
      const id = assertAccepted(
        await send({ medico: { codiceFiscale: doctor }, auth: basic(DEMO.regione.user, DEMO.regione.password) }),
      );
      const stored = await gw.gateway.store.getCertificate(id);
      assert.equal(stored?.medicoCf, doctor);
      assert.equal(stored?.sentBy, DEMO.regione.user);
    }
  });
});

describe('InviaMalattia: dates', () => {
  test('a date that does not exist in the calendar is refused with its field', async () => {
    const r = await send({ malattia: { dataFine: '2026-02-31' } });
    assertRejected(r, '4001', 'malattia/dataFine');
    const r2 = await send({ malattia: { dataRilascio: '2026-13-01' } });
    assertRejected(r2, '4001', 'malattia/dataRilascio');
  });

  test('dataInizio after dataFine is refused; equal is accepted', async () => {
    assertRejected(await send({ malattia: { dataFine: YESTERDAY } }), '4002', 'malattia/dataInizio');
    assertAccepted(await send({ malattia: { dataInizio: TODAY, dataFine: TODAY } }));
  });

  test('dataFine before dataRilascio is refused', async () => {
    const r = await send({ malattia: { dataInizio: YESTERDAY, dataFine: YESTERDAY } });
    assertRejected(r, '4003', 'malattia/dataFine');
  });

  test('dataInizio after dataRilascio is refused; a start the day before the release is accepted', async () => {
    assertRejected(await send({ malattia: { dataInizio: '2026-11-26', dataFine: '2026-11-28' } }), '4004', 'malattia/dataInizio');
    assertAccepted(await send({ malattia: { dataInizio: YESTERDAY, dataFine: '2026-11-28' } }));
  });

  test('dataRilascio in the future is refused', async () => {
    const r = await send({ malattia: { dataRilascio: '2026-11-26', dataInizio: '2026-11-26', dataFine: '2026-11-27' } });
    assertRejected(r, '4005', 'malattia/dataRilascio');
  });

  test('dataRilascio yesterday: accepted for a home visit only', async () => {
    const dates = { dataRilascio: YESTERDAY, dataInizio: YESTERDAY, dataFine: '2026-11-27' };
    assertRejected(await send({ malattia: { ...dates, visita: 'A' } }), '4007', 'malattia/dataRilascio');
    assertRejected(await send({ malattia: { ...dates, visita: 'P' } }), '4007', 'malattia/dataRilascio');
    assertAccepted(await send({ malattia: { ...dates, visita: 'D' } }));
  });

  test('dataRilascio two days ago is refused even for a home visit', async () => {
    const r = await send({ malattia: { dataRilascio: '2026-11-23', dataInizio: '2026-11-23', dataFine: '2026-11-27', visita: 'D' } });
    assertRejected(r, '4006', 'malattia/dataRilascio');
  });

  test('days are Rome days: 23:30 UTC on the 24th is already the 25th in Rome', async () => {
    gw.clock.set('2026-11-24T23:30:00.000Z');
    try {
      const fields = invioMalattia(TODAY, { medico: { pincode: pin } });
      const r = parseResponse(await post(gw.endpoint, envelope('invioMalattiaRequest', fields)));
      assert.deepEqual(r.errors, []);
      assert.match(r.ok.dataRicezione ?? '', /^2026-11-25T00:30:00\.000\+01:00$/);
    } finally {
      gw.clock.set(NOW);
    }
  });

  test('summer dates carry the +02:00 offset', async () => {
    gw.clock.set('2026-07-01T08:00:00.000Z');
    try {
      const fields = invioMalattia('2026-07-01', { medico: { pincode: pin } });
      const r = parseResponse(await post(gw.endpoint, envelope('invioMalattiaRequest', fields)));
      assert.deepEqual(r.errors, []);
      assert.equal(r.ok.dataRicezione, '2026-07-01T10:00:00.000+02:00');
    } finally {
      gw.clock.set(NOW);
    }
  });
});

describe('InviaMalattia: diagnosis', () => {
  test('neither code nor note is refused', async () => {
    assertRejected(await send({ diagnosi: {} }), '5001', 'malattia/diagnosi');
    assertRejected(await send({ diagnosi: { noteDiagnosi: '   ' } }), '5001', 'malattia/diagnosi');
  });

  test('a note alone or a code alone is accepted', async () => {
    assertAccepted(await send({ diagnosi: { noteDiagnosi: 'Lombalgia acuta' } }));
    assertAccepted(await send({ diagnosi: { codiceDiagnosi: '487' } }));
    assertAccepted(await send({ diagnosi: { codiceDiagnosi: 'V17.3' } }));
  });

  test('a code that matches the XSD pattern but lies outside ICD-9-CM 2007 is refused, without echoing it', async () => {
    for (const code of ['V99.1', 'E799', '000']) {
      const r = await send({ diagnosi: { codiceDiagnosi: code } });
      assertRejected(r, '5002', 'malattia/diagnosi/codiceDiagnosi');
      assert.ok(!r.errors[0]!.descrizione.includes(code));
    }
  });
});

describe('InviaMalattia: addresses', () => {
  const residenza = (over: Fields): Fields => ({ ...defaultResidenza(), ...over });

  test('neither cadastral code nor comune+provincia is refused', async () => {
    const r = await send({ residenza: residenza({ codiceCatastale: undefined, comune: undefined, provincia: undefined }) });
    assertRejected(r, '6001', 'residenza');
    const r2 = await send({ residenza: residenza({ codiceCatastale: undefined, provincia: undefined }) });
    assertRejected(r2, '6001', 'residenza');
  });

  test('comune+provincia alone is accepted when it exists, refused when not', async () => {
    assertAccepted(await send({ residenza: residenza({ codiceCatastale: undefined, comune: 'Milano', provincia: 'MI' }) }));
    assertRejected(
      await send({ residenza: residenza({ codiceCatastale: undefined, comune: 'Milano', provincia: 'RM' }) }),
      '6004',
      'residenza/comune',
    );
  });

  test('an unknown cadastral code is refused', async () => {
    assertRejected(await send({ residenza: residenza({ codiceCatastale: 'Z999', comune: undefined, provincia: undefined }) }), '6002', 'residenza/codiceCatastale');
  });

  test('a cadastral code that disagrees with comune/provincia is refused', async () => {
    assertRejected(await send({ residenza: residenza({ codiceCatastale: 'F205' }) }), '6003', 'residenza/comune');
  });

  test('the cadastral code alone is accepted', async () => {
    assertAccepted(await send({ residenza: residenza({ comune: undefined, provincia: undefined }) }));
  });

  test('a civico without a number must be SNC', async () => {
    assertRejected(await send({ residenza: residenza({ civico: 'bis' }) }), '6005', 'residenza/civico');
    assertAccepted(await send({ residenza: residenza({ civico: 'SNC' }) }));
    assertAccepted(await send({ residenza: residenza({ civico: '89 plA scC int8' }) }));
  });

  test('reperibilita/indirizzo is checked with the same rules', async () => {
    const r = await send({ reperibilita: { cognome: 'Bianchi', indirizzo: residenza({ codiceCatastale: 'L219', comune: 'Roma' }) } });
    assertRejected(r, '6003', 'reperibilita/indirizzo/comune');
    assertAccepted(await send({ reperibilita: { cognome: 'Bianchi', indirizzo: residenza({ codiceCatastale: 'L219', comune: 'Torino', provincia: 'TO' }) } }));
  });
});

describe('InviaMalattia: the worker', () => {
  test('a CF with a wrong check character is refused', async () => {
    assertRejected(await send({ lavoratore: 'RSSMRA80A01H501A' }), '3002', 'lavoratore/codiceFiscale');
  });

  test('a malformed CF is refused, even with a matching check character', async () => {
    assertRejected(await send({ lavoratore: 'RSSMRA80A0' }), '3001', 'lavoratore/codiceFiscale');
    const noSuchMonth = 'RSSMRA80Z01H501' + checkCharacter('RSSMRA80Z01H501');
    assertRejected(await send({ lavoratore: noSuchMonth }), '3001', 'lavoratore/codiceFiscale');
  });

  test('a valid CF absent from the registry is refused', async () => {
    const absent = 'BNCMRA80A01H501' + checkCharacter('BNCMRA80A01H501');
    assertRejected(await send({ lavoratore: absent }), '3003', 'lavoratore/codiceFiscale');
  });

  test('an encrypted CF that does not decrypt to a codice fiscale is refused', async () => {
    const garbage = encryptField(gw.gateway.pincodeKey.certificatePem, 'not a codice fiscale');
    assertRejected(await send({ lavoratore: garbage }), '3004', 'lavoratore/codiceFiscale');
  });
});

describe('InviaMalattia: several errors at once', () => {
  test('rule violations are reported together, at most ten', async () => {
    const r = await send({
      lavoratore: 'RSSMRA80A01H501A',
      malattia: { dataRilascio: '2026-11-26', dataInizio: '2026-11-28', dataFine: '2026-11-27' },
      diagnosi: {},
      residenza: residenza2(),
    });
    assert.deepEqual(new Set(codes(r)), new Set(['3002', '4002', '4004', '4005', '5001', '6002', '6005']));
    assert.ok(r.errors.length <= 10);
  });
});

function residenza2(): Fields {
  return { via: 'Via Roma', civico: 'xx', cap: '00100', codiceCatastale: 'Z999' };
}

describe('InviaMalattia: nothing is stored when refused', () => {
  test('a refused certificate leaves the store unchanged', async () => {
    const before = await gw.gateway.store.countCertificates();
    await send({ diagnosi: {} });
    await send({ malattia: { dataFine: '2026-02-30' } });
    assert.equal(await gw.gateway.store.countCertificates(), before);
  });
});

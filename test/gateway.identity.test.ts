/**
 * Who is asking: every kind of user and every identity diagnostic (2001-2009)
 * on InviaMalattia and InterrogazioneLavoratore, against a real gateway and a
 * real SQLite file. Identity errors are answered alone, and a refused
 * InviaMalattia stores nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, publicEncrypt, randomBytes, X509Certificate } from 'node:crypto';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { hashSecret } from '../src/auth/passwords.js';
import { checkCharacter } from '../src/domain/codiceFiscale.js';
import { DEMO, basic, parseResponse, post, type ParsedResponse } from './support/soapClient.js';
import { NOW, TODAY, pinnedGateway } from './support/demo.js';
import type { Running } from './support/gateway.js';
import { envelope, invioMalattia, type Fields, type InvioOptions } from './support/requests.js';
import { assertErrors } from './support/assertions.js';

const MEDICO = basic(DEMO.medico.user, DEMO.medico.password);
const MEDICO2 = basic(DEMO.medico2.user, DEMO.medico2.password);
const REGIONE = basic(DEMO.regione.user, DEMO.regione.password);
const OPERATORE = basic(DEMO.operatore.user, DEMO.operatore.password);

const ROSSI = 'RSSMRA80A01H501U';
const BIANCHI = 'BNCGPP75C41F205S';

// A doctor of another region (Lombardia, 030), added to the store for 2008.
const ALTRA_REGIONE_CF = 'VRDMRC70A01F205' + checkCharacter('VRDMRC70A01F205');

let gw: Running;
let certificatePem: string;
/** The demo doctor's pincode, encrypted as a client would. */
let pin: string;
/** The second doctor's pincode, encrypted correctly. */
let pin2: string;
/** Modulus length of the gateway's pincode key: every real ciphertext has exactly this many bytes. */
let KEY_BYTES: number;

before(async () => {
  // 10:00 in Rome on a Wednesday: the certificates below are issued "today".
  // This file sends dozens of wrong pincodes for one doctor on purpose (no
  // padding oracle): lift the login throttles, which have their own tests
  // (auth.login, gateway.logins).
  ({ gw, pin } = await pinnedGateway(NOW, { SAC_LOGIN_FREE_FAILURES: '999', SAC_LOGIN_LOCK_AFTER: '1000' }));
  certificatePem = gw.gateway.pincodeKey.certificatePem;
  KEY_BYTES = gw.gateway.pincodeKey.bits / 8;
  pin2 = encryptField(certificatePem, DEMO.medico2.pincode);
  await gw.gateway.store.putUser({
    username: ALTRA_REGIONE_CF,
    kind: 'medico',
    passwordHash: hashSecret('Altra.Regione.2026'),
    pincodeHash: hashSecret('5555555555'),
    codiceRegione: '030',
    codiceAsl: null,
    codiceStruttura: null,
  });
});
after(async () => gw.stop());

interface Call {
  auth: string;
  medico: Fields;
  lavoratore?: string;
}

async function inviaMalattia(call: Call & { extra?: Partial<InvioOptions> }): Promise<ParsedResponse> {
  const fields = invioMalattia(TODAY, { lavoratore: call.lavoratore, ...call.extra, medico: call.medico });
  const result = await post(gw.endpoint, envelope('invioMalattiaRequest', fields), {
    auth: call.auth,
    soapAction: 'http://ws.cert.sanita.finanze.it/InviaMalattia',
  });
  const response = parseResponse(result);
  assert.equal(response.root, 'invioMalattiaResponse');
  return response;
}

async function interroga(call: Call): Promise<ParsedResponse> {
  const fields = { medico: call.medico, lavoratore: { codiceFiscale: call.lavoratore ?? ROSSI } };
  const result = await post(gw.endpoint, envelope('interrogazioneLavoratoreRequest', fields), {
    auth: call.auth,
    soapAction: 'http://ws.cert.sanita.finanze.it/InterrogazioneLavoratore',
  });
  const response = parseResponse(result);
  assert.equal(response.root, 'interrogazioneLavoratoreResponse');
  return response;
}

/** InviaMalattia refused with exactly these errors, and the store untouched. */
async function refusedInvio(call: Call, expected: ReadonlyArray<readonly [string, string]>): Promise<ParsedResponse> {
  const before = await gw.gateway.store.countCertificates();
  const response = await inviaMalattia(call);
  assertErrors(response, expected);
  assert.equal(await gw.gateway.store.countCertificates(), before, 'a refused certificate must not be stored');
  return response;
}

async function refusedInterrogazione(call: Call, expected: ReadonlyArray<readonly [string, string]>): Promise<ParsedResponse> {
  const response = await interroga(call);
  assertErrors(response, expected);
  return response;
}

/** Both operations refuse the same identity with the same errors; returns the two responses. */
async function refusedBoth(call: Call, expected: ReadonlyArray<readonly [string, string]>): Promise<ParsedResponse[]> {
  return [await refusedInvio(call, expected), await refusedInterrogazione(call, expected)];
}

function acceptedInvio(response: ParsedResponse): string {
  assert.deepEqual(response.errors, [], JSON.stringify(response.errors));
  const id = response.ok.idCertificato;
  assert.match(id ?? '', /^[1-9][0-9]{9}$/);
  return id!;
}

function acceptedInterrogazione(response: ParsedResponse, cognome: string, nome: string): void {
  assert.deepEqual(response.errors, [], JSON.stringify(response.errors));
  assert.deepEqual(response.ok, { cognome, nome });
}

/** Raw RSA of a hand-made encoded block: lets the test write any padding, right or wrong. */
function encryptBlock(block: Buffer): string {
  const publicKey = new X509Certificate(certificatePem).publicKey;
  return publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, block).toString('base64');
}

function nonZero(length: number): Buffer {
  const out = randomBytes(length);
  for (let i = 0; i < out.length; i++) if (out[i] === 0) out[i] = 1 + (i % 255);
  return out;
}

/** 0x00 0x02 PS 0x00 M with PS of `psLength` non-zero bytes: PKCS#1 v1.5 when psLength >= 8. */
function pkcs1Block(message: Buffer, psLength = KEY_BYTES - 3 - message.length): Buffer {
  return Buffer.concat([Buffer.from([0, 2]), nonZero(psLength), Buffer.from([0]), message]);
}

describe('medico', () => {
  test('with the encrypted pincode: InviaMalattia is stored in the doctor\'s name, InterrogazioneLavoratore answers', async () => {
    const before = await gw.gateway.store.countCertificates();
    const id = acceptedInvio(await inviaMalattia({ auth: MEDICO, medico: { pincode: pin } }));
    assert.equal(await gw.gateway.store.countCertificates(), before + 1);
    const stored = await gw.gateway.store.getCertificate(id);
    assert.equal(stored?.medicoCf, DEMO.medico.user);
    assert.equal(stored?.sentBy, DEMO.medico.user);
    acceptedInterrogazione(await interroga({ auth: MEDICO, medico: { pincode: pin } }), 'Rossi', 'Mario');
  });

  test('the second demo doctor with their own pincode', async () => {
    const id = acceptedInvio(await inviaMalattia({ auth: MEDICO2, medico: { pincode: pin2 } }));
    assert.equal((await gw.gateway.store.getCertificate(id))?.medicoCf, DEMO.medico2.user);
    acceptedInterrogazione(await interroga({ auth: MEDICO2, medico: { pincode: pin2 }, lavoratore: BIANCHI }), 'Bianchi', 'Giuseppina');
  });

  test('a Base64 pincode wrapped over several lines is accepted (toolkits wrap at 64 columns)', async () => {
    const wrapped = pin.replace(/(.{64})/g, '$1\n');
    assert.notEqual(wrapped, pin);
    acceptedInvio(await inviaMalattia({ auth: MEDICO, medico: { pincode: wrapped } }));
    acceptedInterrogazione(await interroga({ auth: MEDICO, medico: { pincode: wrapped } }), 'Rossi', 'Mario');
  });

  test('2001: no pincode, or an empty one', async () => {
    await refusedBoth({ auth: MEDICO, medico: {} }, [['2001', 'medico/pincode']]);
    await refusedBoth({ auth: MEDICO, medico: { pincode: '' } }, [['2001', 'medico/pincode']]);
  });

  test('2002: a doctor must not name a codice fiscale, not even their own', async () => {
    await refusedBoth({ auth: MEDICO, medico: { codiceFiscale: DEMO.medico.user, pincode: pin } }, [['2002', 'medico/codiceFiscale']]);
    await refusedBoth({ auth: MEDICO, medico: { codiceFiscale: DEMO.medico2.user, pincode: pin } }, [['2002', 'medico/codiceFiscale']]);
  });

  test('2002 and 2001 together when the codice fiscale is there and the pincode is not', async () => {
    await refusedBoth({ auth: MEDICO, medico: { codiceFiscale: DEMO.medico.user } }, [
      ['2002', 'medico/codiceFiscale'],
      ['2001', 'medico/pincode'],
    ]);
  });

  test('2003: the other doctor\'s pincode and a wrong pincode get the very same answer', async () => {
    const wrong = encryptField(certificatePem, '1111111111');
    for (const [auth, medico] of [
      [MEDICO, { pincode: pin2 }],
      [MEDICO, { pincode: wrong }],
      [MEDICO2, { pincode: pin }],
    ] as const) {
      const [invio, interrogazione] = await refusedBoth({ auth, medico }, [['2003', 'medico/pincode']]);
      assert.deepEqual(invio!.errors, interrogazione!.errors);
    }
    const a = await inviaMalattia({ auth: MEDICO, medico: { pincode: pin2 } });
    const b = await inviaMalattia({ auth: MEDICO, medico: { pincode: wrong } });
    assert.deepEqual(a.errors, b.errors, 'the answer must not tell "another doctor\'s PIN" from "a wrong PIN"');
  });

  test('2003: a correctly encrypted pincode with extra characters, or empty, is just wrong', async () => {
    for (const plain of ['1234567890 ', '12345678900', '']) {
      await refusedBoth({ auth: MEDICO, medico: { pincode: encryptField(certificatePem, plain) } }, [['2003', 'medico/pincode']]);
    }
  });

  test('2004: a pincode sent in clear, or Base64 that is not a ciphertext of the service key', async () => {
    for (const pincode of [
      DEMO.medico.pincode,
      Buffer.from(DEMO.medico.pincode).toString('base64'),
      randomBytes(64).toString('base64'), // a 512-bit key's ciphertext length
      '!'.repeat(pin.length), // right length, not Base64
    ]) {
      const [response] = await refusedBoth({ auth: MEDICO, medico: { pincode } }, [['2004', 'medico/pincode']]);
      assert.match(response!.errors[0]!.descrizione, new RegExp(`\\b${KEY_BYTES} byte`), 'the text names the expected ciphertext size');
    }
  });

  test('no padding oracle: ciphertexts with corrupt padding are answered 2003, exactly like a wrong pincode', async () => {
    const wrongPin = await inviaMalattia({ auth: MEDICO, medico: { pincode: encryptField(certificatePem, '0000000000') } });
    assertErrors(wrongPin, [['2003', 'medico/pincode']]);
    const reference = wrongPin.errors;

    const valid = Buffer.from(pin, 'base64');
    assert.equal(valid.length, KEY_BYTES);
    const flipped = (positions: number[]): string => {
      const bytes = Buffer.from(valid);
      for (const at of positions) bytes[at] = bytes[at]! ^ 0x5a;
      return bytes.toString('base64');
    };
    const message = Buffer.from(DEMO.medico.pincode);
    const corrupt: Record<string, string> = {
      'first byte flipped': flipped([0]),
      'middle byte flipped': flipped([64]),
      'last byte flipped': flipped([KEY_BYTES - 1]),
      'several bytes flipped': flipped([3, 17, 90, 120]),
      'all zero bytes': Buffer.alloc(KEY_BYTES).toString('base64'),
      'not below the modulus (all 0xff)': Buffer.alloc(KEY_BYTES, 0xff).toString('base64'),
      // Hand-made blocks around the right PIN: only the padding is wrong.
      'block type 01 instead of 02': encryptBlock(Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(KEY_BYTES - 3 - message.length, 0xff), Buffer.from([0]), message])),
      'leading byte not zero': encryptBlock(Buffer.concat([Buffer.from([1, 2]), nonZero(KEY_BYTES - 3 - message.length), Buffer.from([0]), message])),
      'padding string shorter than 8 bytes': encryptBlock(Buffer.concat([pkcs1Block(Buffer.alloc(0), 7), nonZero(KEY_BYTES - 10 - message.length), message])),
      'no zero separator': encryptBlock(Buffer.concat([Buffer.from([0, 2]), nonZero(KEY_BYTES - 2)])),
    };
    for (const [name, pincode] of Object.entries(corrupt)) {
      assert.equal(pincode.length, pin.length, `${name}: same Base64 length as a real ciphertext`);
      const before = await gw.gateway.store.countCertificates();
      const invio = await inviaMalattia({ auth: MEDICO, medico: { pincode } });
      assert.deepEqual(invio.errors, reference, `${name}: InviaMalattia must answer exactly as for a wrong pincode`);
      assert.equal(await gw.gateway.store.countCertificates(), before);
      const interrogazione = await interroga({ auth: MEDICO, medico: { pincode } });
      assert.deepEqual(interrogazione.errors, reference, `${name}: InterrogazioneLavoratore must answer exactly as for a wrong pincode`);
    }
  });

  test('a hand-made block with correct padding around the right PIN is accepted (the blocks above are only wrong in their padding)', async () => {
    const pincode = encryptBlock(pkcs1Block(Buffer.from(DEMO.medico.pincode)));
    acceptedInvio(await inviaMalattia({ auth: MEDICO, medico: { pincode } }));
  });

  test('InterrogazioneLavoratore: the worker CF may arrive encrypted', async () => {
    const encrypted = encryptField(certificatePem, BIANCHI);
    acceptedInterrogazione(await interroga({ auth: MEDICO, medico: { pincode: pin }, lavoratore: encrypted }), 'Bianchi', 'Giuseppina');
  });

  test('3003: a valid codice fiscale that is not in the registry', async () => {
    const absent = 'BNCMRA80A01H501' + checkCharacter('BNCMRA80A01H501');
    await refusedBoth({ auth: MEDICO, medico: { pincode: pin }, lavoratore: absent }, [['3003', 'lavoratore/codiceFiscale']]);
    await refusedBoth({ auth: MEDICO, medico: { pincode: pin }, lavoratore: encryptField(certificatePem, absent) }, [
      ['3003', 'lavoratore/codiceFiscale'],
    ]);
  });
});

describe('regione', () => {
  test('acts for either demo doctor: stored in the doctor\'s name, sent by the region', async () => {
    for (const doctor of [DEMO.medico.user, DEMO.medico2.user]) {
      const before = await gw.gateway.store.countCertificates();
      const id = acceptedInvio(await inviaMalattia({ auth: REGIONE, medico: { codiceFiscale: doctor } }));
      assert.equal(await gw.gateway.store.countCertificates(), before + 1);
      const stored = await gw.gateway.store.getCertificate(id);
      assert.equal(stored?.medicoCf, doctor);
      assert.equal(stored?.sentBy, DEMO.regione.user);
    }
  });

  test('InterrogazioneLavoratore for either demo doctor returns the worker\'s names', async () => {
    for (const doctor of [DEMO.medico.user, DEMO.medico2.user]) {
      acceptedInterrogazione(await interroga({ auth: REGIONE, medico: { codiceFiscale: doctor }, lavoratore: ROSSI }), 'Rossi', 'Mario');
      acceptedInterrogazione(await interroga({ auth: REGIONE, medico: { codiceFiscale: doctor }, lavoratore: BIANCHI }), 'Bianchi', 'Giuseppina');
    }
  });

  test('2005: without the doctor\'s codice fiscale', async () => {
    await refusedBoth({ auth: REGIONE, medico: {} }, [['2005', 'medico/codiceFiscale']]);
  });

  test('2006: with a pincode, even the doctor\'s right one', async () => {
    await refusedBoth({ auth: REGIONE, medico: { codiceFiscale: DEMO.medico.user, pincode: pin } }, [['2006', 'medico/pincode']]);
  });

  test('2006 and 2005 together: a pincode and no codice fiscale', async () => {
    await refusedBoth({ auth: REGIONE, medico: { pincode: pin } }, [
      ['2006', 'medico/pincode'],
      ['2005', 'medico/codiceFiscale'],
    ]);
  });

  test('2007: a codice fiscale that is not a doctor\'s (a worker, the operator, a wrong check character, nobody)', async () => {
    const nobody = 'NSSNSS70A01H501' + checkCharacter('NSSNSS70A01H501');
    const badCheck = DEMO.medico.user.slice(0, 15) + (DEMO.medico.user.endsWith('A') ? 'B' : 'A');
    for (const cf of [ROSSI, BIANCHI, DEMO.operatore.user, nobody, badCheck]) {
      await refusedBoth({ auth: REGIONE, medico: { codiceFiscale: cf } }, [['2007', 'medico/codiceFiscale']]);
    }
  });

  test('2008: a doctor of another region', async () => {
    const [response] = await refusedBoth({ auth: REGIONE, medico: { codiceFiscale: ALTRA_REGIONE_CF } }, [['2008', 'medico/codiceFiscale']]);
    assert.match(response!.errors[0]!.descrizione, /\b120\b/, 'the text names the caller\'s region');
  });
});

describe('operatore', () => {
  test('2009 on InviaMalattia, whatever the redattore holds', async () => {
    for (const medico of [{}, { pincode: pin }, { codiceFiscale: DEMO.medico.user }, { codiceFiscale: DEMO.operatore.user }] as Fields[]) {
      const invio = await refusedInvio({ auth: OPERATORE, medico }, [['2009', 'medico']]);
      assert.match(invio.errors[0]!.descrizione, /operatore.*InviaMalattia/);
    }
  });

  test('InterrogazioneLavoratore (disciplinare 3.7): an operatore reads the worker for itself, with an empty medico, its own CF or its own codes', async () => {
    for (const medico of [{}, { codiceFiscale: DEMO.operatore.user }, { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' }] as Fields[]) {
      acceptedInterrogazione(await interroga({ auth: OPERATORE, medico }), 'Rossi', 'Mario');
    }
  });

  test("InterrogazioneLavoratore: an operatore sends no pincode (2006), no one else's CF (2014), no other structure's codes (2011)", async () => {
    await refusedInterrogazione({ auth: OPERATORE, medico: { pincode: pin } }, [['2006', 'medico/pincode']]);
    await refusedInterrogazione({ auth: OPERATORE, medico: { codiceFiscale: DEMO.medico.user } }, [['2014', 'medico/codiceFiscale']]);
    await refusedInterrogazione({ auth: OPERATORE, medico: { codiceAsl: '202' } }, [['2011', 'medico/codiceAsl']]);
    await refusedInterrogazione({ auth: OPERATORE, medico: {}, lavoratore: 'BNCMRA80A01H501' + checkCharacter('BNCMRA80A01H501') }, [['3003', 'lavoratore/codiceFiscale']]);
  });
});

describe('identity errors come alone', () => {
  // Worker, dates, diagnosis and address all wrong: with a good identity these are reported.
  const brokenWorker = 'RSSMRA80A01H501A';
  const broken: Partial<InvioOptions> = {
    malattia: { dataInizio: '2026-11-26', dataFine: '2026-11-24' },
    diagnosi: {},
    residenza: { via: 'Via Roma', civico: 'xx', cap: '00100', codiceCatastale: 'Z999' },
  };
  const absent = 'BNCMRA80A01H501' + checkCharacter('BNCMRA80A01H501');

  test('with a good identity the broken requests get their rule errors (so the cases below mean something)', async () => {
    const r = await inviaMalattia({ auth: MEDICO, medico: { pincode: pin }, lavoratore: brokenWorker, extra: broken });
    assert.ok(r.errors.length >= 4, JSON.stringify(r.errors));
    assert.ok(r.errors.every((e) => !e.tipoErrore.startsWith('2')), JSON.stringify(r.errors));
    assertErrors(await interroga({ auth: MEDICO, medico: { pincode: pin }, lavoratore: absent }), [['3003', 'lavoratore/codiceFiscale']]);
  });

  // Functions: the encrypted pincodes exist only once the gateway has started.
  // An optional fourth item: what InterrogazioneLavoratore answers when it differs (an operatore may read a worker).
  const cases: Array<[string, () => Call, Array<[string, string]>, Array<[string, string]>?]> = [
    ['medico without pincode', () => ({ auth: MEDICO, medico: {} }), [['2001', 'medico/pincode']]],
    ['medico with the other doctor\'s pincode', () => ({ auth: MEDICO, medico: { pincode: pin2 } }), [['2003', 'medico/pincode']]],
    ['medico with a pincode in clear', () => ({ auth: MEDICO, medico: { pincode: DEMO.medico.pincode } }), [['2004', 'medico/pincode']]],
    ['regione without codice fiscale', () => ({ auth: REGIONE, medico: {} }), [['2005', 'medico/codiceFiscale']]],
    ['regione naming a worker', () => ({ auth: REGIONE, medico: { codiceFiscale: BIANCHI } }), [['2007', 'medico/codiceFiscale']]],
    ['regione naming a doctor of another region', () => ({ auth: REGIONE, medico: { codiceFiscale: ALTRA_REGIONE_CF } }), [['2008', 'medico/codiceFiscale']]],
    ['operatore with a pincode', () => ({ auth: OPERATORE, medico: { pincode: pin } }), [['2009', 'medico']], [['2006', 'medico/pincode']]],
  ];
  for (const [name, call, expected, interrogazioneExpected] of cases) {
    test(`${name}: only the identity error, on both operations`, async () => {
      const before = await gw.gateway.store.countCertificates();
      assertErrors(await inviaMalattia({ ...call(), lavoratore: brokenWorker, extra: broken }), expected);
      assert.equal(await gw.gateway.store.countCertificates(), before);
      assertErrors(await interroga({ ...call(), lavoratore: absent }), interrogazioneExpected ?? expected);
    });
  }
});

describe('HTTP authentication comes first', () => {
  test('a wrong password or an unknown user gets 401, never a ricevuta, and nothing is stored', async () => {
    const before = await gw.gateway.store.countCertificates();
    for (const auth of [basic(DEMO.medico.user, 'sbagliata'), basic('NESSUNO', 'x'), basic(DEMO.regione.user, DEMO.medico.password)]) {
      const fields = invioMalattia(TODAY, { medico: { pincode: pin } });
      const result = await post(gw.endpoint, envelope('invioMalattiaRequest', fields), { auth });
      assert.equal(result.status, 401);
      assert.match(result.headers.get('www-authenticate') ?? '', /^Basic /);
    }
    assert.equal(await gw.gateway.store.countCertificates(), before);
  });
});

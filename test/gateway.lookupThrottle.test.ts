/**
 * The throttle on failed look-ups (SAC_LOOKUP_FAILURES, src/sac/lookupThrottle.ts),
 * against a real server on loopback: a user whose PUCs find nothing too often
 * is answered 8011 for its look-ups, nothing is done for them, its other
 * operations and other users go on, and the allowance comes back with time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { loadConfig } from '../src/config.js';
import { startGateway, type Running } from './support/gateway.js';
import { envelope, invioMalattia, type Fields } from './support/requests.js';
import { DEMO, basic, parseResponse, post, type ParsedResponse } from './support/soapClient.js';

const ROSSI = 'RSSMRA80A01H501U';
const AT = '2026-03-10T10:00:00+01:00';
const TODAY = '2026-03-10';

interface Who {
  readonly user: string;
  readonly password: string;
  readonly pincode: string;
}

describe('throttle on failed look-ups of protocol numbers', () => {
  let gw: Running;
  let pem: string;
  before(async () => {
    gw = await startGateway({ SAC_LOOKUP_FAILURES: '3/1m' });
    pem = gw.gateway.pincodeKey.certificatePem;
  });
  after(async () => {
    await gw.stop();
  });

  const medico = (who: Who) => ({ auth: basic(who.user, who.password), medico: { pincode: encryptField(pem, who.pincode) } });

  async function call(op: string, root: string, who: Who, fields: Fields): Promise<ParsedResponse> {
    const m = medico(who);
    const body = envelope(root, { medico: m.medico, ...fields });
    return parseResponse(await post(gw.endpoint, body, { auth: m.auth, soapAction: `http://ws.cert.sanita.finanze.it/${op}` }));
  }
  const ristampa = (who: Who, id: string) =>
    call('RistampaMalattia', 'ristampaMalattiaRequest', who, { lavoratore: { codiceFiscale: ROSSI }, idCertificato: id });
  const annulla = (who: Who, id: string) =>
    call('AnnullaMalattia', 'annullamentoMalattiaRequest', who, { lavoratore: { codiceFiscale: ROSSI }, idCertificato: id });
  const codes = (r: ParsedResponse) => r.errors.map((e) => e.tipoErrore);

  test('past the limit, look-ups answer 8011 with the time to retry; other operations and users go on; time restores it', async () => {
    gw.clock.set(AT);
    const sent = await call('InviaMalattia', 'invioMalattiaRequest', DEMO.medico, invioMalattia(TODAY, { medico: medico(DEMO.medico).medico, lavoratore: ROSSI }));
    assert.deepEqual(sent.errors, []);
    const real = sent.ok.idCertificato!;

    // Three guesses that find nothing: each is the usual 7001.
    for (const guess of ['1000000001', '1000000002', '1000000003']) assert.deepEqual(codes(await ristampa(DEMO.medico, guess)), ['7001']);

    // The fourth look-up, even of the doctor's own real PUC, is refused and does nothing.
    const refused = await annulla(DEMO.medico, real);
    assert.deepEqual(codes(refused), ['8011']);
    assert.equal(refused.errors[0]!.sezioneErrata, 'AnnullaMalattia');
    // 3 failures per minute leak one every 20 s: the retry time is the next whole minute after that.
    assert.match(refused.errors[0]!.descrizione, /Riprovare dopo le 10:01 \(ora italiana\)/);
    const still = await ristampa(DEMO.medico, real);
    assert.deepEqual(codes(still), ['8011'], 'the real certificate is not printed either while refused');

    // Other operations of the same user are not look-ups: not refused.
    const another = await call('InviaMalattia', 'invioMalattiaRequest', DEMO.medico, invioMalattia(TODAY, { medico: medico(DEMO.medico).medico, lavoratore: ROSSI }));
    assert.deepEqual(another.errors, []);
    // Another user's look-ups are not affected.
    assert.deepEqual(codes(await ristampa(DEMO.medico2, '1000000004')), ['7001']);

    // 20 s later one failure has leaked away: the look-up goes through, and the annulment is done now.
    gw.clock.set('2026-03-10T10:00:21+01:00');
    const annulled = await annulla(DEMO.medico, real);
    assert.deepEqual(annulled.errors, []);
    // The certificate was not cancelled by the refused call: it is cancelled once, by this one.
    assert.ok(annulled.ok.idAnnullamento, 'the annulment happened on the allowed call');
  });

  test('SAC_LOOKUP_FAILURES: N/DURATION or off, anything else refused at start', () => {
    assert.throws(() => loadConfig({ SAC_LOOKUP_FAILURES: '0/10m' }), /SAC_LOOKUP_FAILURES/);
    assert.throws(() => loadConfig({ SAC_LOOKUP_FAILURES: '20 per minute' }), /SAC_LOOKUP_FAILURES/);
    assert.throws(() => loadConfig({ SAC_LOOKUP_FAILURES: '5/2d' }), /SAC_LOOKUP_FAILURES/);
    assert.equal(loadConfig({ SAC_LOOKUP_FAILURES: 'off' }).lookupFailures, undefined);
    assert.deepEqual(loadConfig({}).lookupFailures, { failures: 20, windowMs: 600_000 });
  });
});

describe('throttle off', () => {
  let gw: Running;
  before(async () => {
    gw = await startGateway({ SAC_LOOKUP_FAILURES: 'off' });
  });
  after(async () => {
    await gw.stop();
  });

  test('with SAC_LOOKUP_FAILURES=off, every failed look-up is the usual 7001', async () => {
    gw.clock.set(AT);
    const pem = gw.gateway.pincodeKey.certificatePem;
    for (let i = 0; i < 30; i++) {
      const body = envelope('ristampaMalattiaRequest', {
        medico: { pincode: encryptField(pem, DEMO.medico.pincode) },
        lavoratore: { codiceFiscale: ROSSI },
        idCertificato: String(2000000000 + i),
      });
      const r = parseResponse(await post(gw.endpoint, body, { auth: basic(DEMO.medico.user, DEMO.medico.password), soapAction: 'http://ws.cert.sanita.finanze.it/RistampaMalattia' }));
      assert.deepEqual(r.errors.map((e) => e.tipoErrore), ['7001']);
    }
  });
});

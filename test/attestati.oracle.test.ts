/**
 * The CF+PUC oracle of AttestatiMalattia closed (issue 12, point 3): a wrong
 * codice fiscale with a real PUC and a PUC that does not exist answer the
 * same bytes and journal the same kind of entry, on every operation that
 * looks a number up; failed look-ups are throttled per user AND per client
 * address (SAC_LOOKUP_FAILURES=3/10m here): past the limit the answer is 8011
 * (the user) or 8012 (the address) and nothing is looked up or journaled.
 * Client addresses are real: each call leaves from its own 127.0.0.x.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashSecret } from '../src/auth/passwords.js';
import { encryptField } from '../src/auth/pincodeCipher.js';
import type { JournalEntry } from '../src/store/port.js';
import { NOW, TODAY } from './support/demo.js';
import { NO_RESUBMISSION_DETECTION, startGateway, type Running } from './support/gateway.js';
import { callFrom, DATORE, errorCode, LAVORATORE, parseAnswer } from './support/attestati.js';
import { envelope, invioMalattia } from './support/requests.js';
import { DEMO, parseResponse, post } from './support/soapClient.js';
import { journalOf as readJournal } from './support/journal.js';

const MEDICO2 = { user: DEMO.medico2.user, password: DEMO.medico2.password };
const REGIONE = { user: DEMO.regione.user, password: DEMO.regione.password };
const OPERATORE = { user: DEMO.operatore.user, password: DEMO.operatore.password };
/** Another worker's codice fiscale: a real person, not this certificate's. */
const OTHER_CF = 'BNCGPP75C41F205S';
const MISSING = '9999999999';

let gw: Running;
let puc = '';

before(async () => {
  gw = await startGateway({ ...NO_RESUBMISSION_DETECTION, SAC_LOOKUP_FAILURES: '3/10m' });
  gw.clock.set(NOW);
  const pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  const sent = parseResponse(await post(gw.endpoint, envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode: pin }, lavoratore: LAVORATORE.user }))));
  assert.deepEqual(sent.errors, []);
  puc = sent.ok.idCertificato!;
});
after(async () => {
  await gw?.stop();
});

/** The journal of a subject once the entries not awaited (accesso_negato) are committed. */
async function journalOf(id: string, expected: number): Promise<JournalEntry[]> {
  let entries: JournalEntry[] = [];
  for (let i = 0; i < 100; i++) {
    entries = await readJournal(gw.gateway.store, { subjectKind: 'certificato', subjectId: id });
    if (entries.length >= expected) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return entries;
}

test('a wrong CF with a real PUC answers the same bytes as a PUC that does not exist, and journals the same kind of entry', async () => {
  const cases = [
    ['ConsultaAttestato', (id: string) => ({ codiceFiscaleLavoratore: OTHER_CF, idCertificato: id })],
    ['StampaDocumento', (id: string) => ({ idCertificato: id, codiceFiscaleLavoratore: OTHER_CF })],
    ['StampaDocumento', (id: string) => ({ idCertificato: id, allegato: 'B', codiceFiscaleLavoratore: OTHER_CF })],
  ] as const;
  let n = 0;
  for (const [name, fields] of cases) {
    // From a fresh address each, by users with no failures: nothing here is throttled.
    const who = [MEDICO2, REGIONE, OPERATORE][n]!;
    const address = `127.0.1.${++n}`;
    const real = await callFrom(gw.url, name, fields(puc), who, address);
    const missing = await callFrom(gw.url, name, fields(MISSING), who, address);
    assert.equal(errorCode(parseAnswer(real, name)), '7020');
    assert.equal(real.text, missing.text, `${name}: the same bytes`);
    assert.equal(real.headers.get('content-length'), missing.headers.get('content-length'));
  }
  const brief = (e: JournalEntry) => `${e.action} ${e.subjectKind} ${e.operation} ${e.username}`;
  const onReal = (await journalOf(puc, 4)).filter((e) => e.action !== 'creazione').map(brief);
  const onMissing = (await journalOf(MISSING, 3)).map(brief);
  assert.deepEqual(onReal, onMissing);
  assert.deepEqual(onMissing, [
    `accesso_negato certificato ConsultaAttestato ${MEDICO2.user}`,
    `accesso_negato certificato StampaDocumento ${REGIONE.user}`,
    `accesso_negato certificato StampaDocumento ${OPERATORE.user}`,
  ]);
});

test('the right pair is answered, and journaled as a read', async () => {
  const ok = parseAnswer(await callFrom(gw.url, 'ConsultaAttestato', { codiceFiscaleLavoratore: LAVORATORE.user, idCertificato: puc }, MEDICO2, '127.0.2.1'), 'ConsultaAttestato');
  assert.equal(ok.fields['attestato/idCertificato'], puc);
  const reads = (await journalOf(puc, 5)).filter((e) => e.action === 'lettura');
  assert.equal(reads.length, 1);
  assert.equal(reads[0]!.clientAddress, '127.0.2.1');
});

test('failures are counted per user: past the limit, 8011 from any address, and nothing is looked up', async () => {
  const who = DATORE;
  for (let i = 0; i < 3; i++) {
    const miss = await callFrom(gw.url, 'ConsultaAttestato', { codiceFiscaleLavoratore: OTHER_CF, idCertificato: puc }, who, `127.0.3.${i + 1}`);
    assert.equal(errorCode(parseAnswer(miss, 'ConsultaAttestato')), '7020');
  }
  const before = (await journalOf(puc, 0)).length;
  for (const [name, fields] of [
    ['ConsultaAttestato', { codiceFiscaleLavoratore: LAVORATORE.user, idCertificato: puc }],
    ['ConsultaDocumento', { idCertificato: puc }],
    ['StampaDocumento', { idCertificato: puc }],
  ] as const) {
    const refused = parseAnswer(await callFrom(gw.url, name, fields, who, '127.0.3.9'), name);
    assert.equal(errorCode(refused), '8011', name);
    assert.equal(refused.errors[0]!.sezioneErrata, name);
    assert.match(refused.errors[0]!.descrizione, /questo utente.*Riprovare dopo le \d\d:\d\d/);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal((await journalOf(puc, 0)).length, before, 'nothing looked up, nothing journaled');
  // The employer's list is not a look-up by number: still served.
  assert.equal(parseAnswer(await callFrom(gw.url, 'ElencoDocumentiDatore', { dal: TODAY, al: TODAY }, who, '127.0.3.9'), 'ElencoDocumentiDatore').ok, true);
});

test('failures are counted per address: past the limit, 8012 for every user there, others elsewhere served', async () => {
  const address = '127.0.4.1';
  // An address may fail 5 times a user's allowance (3 here): five fresh users fail three times
  // each (ConsultaDocumento counts too), none past their own limit, all from one address.
  const users = [1, 2, 3, 4, 5].map((i) => ({ user: `ospite-indirizzo-${i}`, password: `Ospite.Indirizzo.${i}` }));
  for (const who of users) {
    await gw.gateway.store.putUser({ username: who.user, kind: 'datore', passwordHash: hashSecret(who.password), pincodeHash: null, codiceRegione: null, codiceAsl: null, codiceStruttura: null });
    for (let i = 0; i < 3; i++) {
      const miss = await callFrom(gw.url, 'ConsultaDocumento', { idCertificato: MISSING }, who, address);
      assert.equal(errorCode(parseAnswer(miss, 'ConsultaDocumento')), '7020');
    }
  }
  // A user with failures below the limit: refused for the address.
  const refused = parseAnswer(await callFrom(gw.url, 'ConsultaAttestato', { codiceFiscaleLavoratore: LAVORATORE.user, idCertificato: puc }, LAVORATORE, address), 'ConsultaAttestato');
  assert.equal(errorCode(refused), '8012');
  assert.match(refused.errors[0]!.descrizione, /indirizzo di rete/);
  // The same user from another address is served.
  const served = parseAnswer(await callFrom(gw.url, 'ConsultaAttestato', { codiceFiscaleLavoratore: LAVORATORE.user, idCertificato: puc }, LAVORATORE, '127.0.4.2'), 'ConsultaAttestato');
  assert.equal(served.fields['attestato/idCertificato'], puc);
});

test('with SAC_LOOKUP_FAILURES=off nothing is counted', async () => {
  const off = await startGateway({ SAC_LOOKUP_FAILURES: 'off' });
  try {
    for (let i = 0; i < 6; i++) {
      const miss = await callFrom(off.url, 'ConsultaAttestato', { codiceFiscaleLavoratore: OTHER_CF, idCertificato: MISSING }, MEDICO2, '127.0.5.1');
      assert.equal(errorCode(parseAnswer(miss, 'ConsultaAttestato')), '7020');
    }
  } finally {
    await off.stop();
  }
});

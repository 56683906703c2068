/**
 * A protocol-number collision through the real writers: the gateway's
 * default writer thread, and the cluster primary's writer reached over its
 * socket. The gateway's source of protocol numbers is made to hand out a PUC
 * already stored, once: the store refuses it with DuplicateKeyError, which
 * must arrive as such across the thread or socket, so that the handler draws
 * another number and the sender gets ricevutaOk (not an internal fault).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import pino from 'pino';
import { createGateway, type Gateway } from '../src/app.js';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { loadConfig } from '../src/config.js';
import { newProtocolNumber } from '../src/sac/puc.js';
import { startSharedWriter, type WriterPlacement } from '../src/store/open.js';
import { NOW, TODAY } from './support/demo.js';
import { TestClock, tempDir } from './support/gateway.js';
import { testStoreSettings, withTestStore } from './support/testStore.js';
import { envelope, invioMalattia } from './support/requests.js';
import { DEMO, parseFault, parseResponse, post } from './support/soapClient.js';
import { PROTOCOL_NUMBER_ATTEMPTS } from '../src/sac/lifecycle.js';
import { journalOf } from './support/journal.js';

const ACTION = 'http://ws.cert.sanita.finanze.it/InviaMalattia';
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Protocol numbers from the CSPRNG, except those queued, which come first. */
class ForcedIds {
  readonly queued: string[] = [];
  drawn = 0;
  readonly next = (): string => {
    this.drawn++;
    return this.queued.shift() ?? newProtocolNumber();
  };
}

/** 'default': no writer option, createGateway's own (a writer thread); 'socket': as a cluster worker. */
async function start(writer: 'default' | 'socket', ids: ForcedIds | undefined, env: NodeJS.ProcessEnv = {}): Promise<{ gateway: Gateway; endpoint: string }> {
  const dataDir = tempDir();
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  let placement: WriterPlacement | undefined;
  if (writer === 'socket') {
    // As under node:cluster: the node's shared writer (the primary's writer thread) listens, the gateway writes through it.
    const shared = await startSharedWriter(testStoreSettings(dataDir));
    cleanups.push(() => shared.close());
    placement = { sharedWriter: shared.address! };
  }
  const config = loadConfig(withTestStore({ HOST: '127.0.0.1', PORT: '0', SAC_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }));
  const clock = new TestClock();
  clock.set(NOW);
  const gateway = createGateway(config, { clock, logger: pino({ level: 'silent' }), ...(ids ? { newId: ids.next } : {}), ...(placement ? { writer: placement } : {}) });
  cleanups.push(() => gateway.close());
  const url = await gateway.listen();
  return { gateway, endpoint: `${url}/CertServiceWeb/CertificatiMedici` };
}

for (const [name, writer] of [
  ['the default writer thread', 'default'],
  ['the cluster writer socket', 'socket'],
] as const) {
  describe(`a PUC collision through ${name}`, () => {
    test('is retried with another protocol number and answered ricevutaOk', async () => {
      const ids = new ForcedIds();
      const { gateway, endpoint } = await start(writer, ids);
      const pin = encryptField(gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
      // Two different certificates (the same one twice would be a resubmission, answered the first PUC).
      const sendOne = async (noteDiagnosi: string) =>
        parseResponse(await post(endpoint, envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode: pin }, diagnosi: { noteDiagnosi } })), { soapAction: ACTION }));

      const first = await sendOne('Primo certificato');
      assert.deepEqual(first.errors, []);
      const taken = first.ok.idCertificato!;

      ids.queued.push(taken);
      const drawnBefore = ids.drawn;
      const second = await sendOne('Secondo certificato');
      assert.deepEqual(second.errors, [], 'the collision is not the sender’s problem');
      assert.match(second.ok.idCertificato!, /^[1-9][0-9]{9}$/);
      assert.notEqual(second.ok.idCertificato, taken);
      assert.equal(ids.drawn - drawnBefore, 2, 'the taken number, then a fresh one');
      assert.equal(await gateway.store.countCertificates(), 2);
      assert.equal((await gateway.store.getCertificate(taken))?.dataRicezione, first.ok.dataRicezione, 'the first certificate is untouched');
      // The refused attempt left no journal entry; the stored one has exactly its own.
      assert.deepEqual((await journalOf(gateway.store, { subjectKind: 'certificato', subjectId: taken })).map((e) => e.action), ['creazione']);
    });

    test(`a number space so full that ${PROTOCOL_NUMBER_ATTEMPTS} draws all collide: the Server fault PUC_EXHAUSTED, nothing stored, the next request served`, async () => {
      const ids = new ForcedIds();
      const { gateway, endpoint } = await start(writer, ids);
      const pin = encryptField(gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
      const request = (noteDiagnosi: string) =>
        post(endpoint, envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode: pin }, diagnosi: { noteDiagnosi } })), { soapAction: ACTION });
      const first = parseResponse(await request('Primo certificato'));
      assert.deepEqual(first.errors, []);
      const taken = first.ok.idCertificato!;

      // One more queued than the attempts: the surplus proves the loop stopped at its bound.
      for (let i = 0; i <= PROTOCOL_NUMBER_ATTEMPTS; i++) ids.queued.push(taken);
      const drawnBefore = ids.drawn;
      const fault = parseFault(await request('Secondo certificato'), 500);
      assert.match(fault.faultcode, /(^|:)Server$/);
      assert.match(fault.faultstring, new RegExp(`^Nessun numero di protocollo libero dopo ${PROTOCOL_NUMBER_ATTEMPTS} tentativi: la richiesta non è stata registrata`));
      assert.equal(ids.drawn - drawnBefore, PROTOCOL_NUMBER_ATTEMPTS, 'a bounded number of draws');
      assert.equal(await gateway.store.countCertificates(), 1, 'nothing of the refused request stored');

      ids.queued.length = 0;
      const third = parseResponse(await request('Terzo certificato'));
      assert.deepEqual(third.errors, []);
      assert.equal(await gateway.store.countCertificates(), 2);
    });
  });
}

describe('SAC_PUC_DIGITS through the gateway', () => {
  for (const digits of [9, 10, 18]) {
    test(`${digits} digits: the PUC has ${digits} digits, the first not 0`, async () => {
      const { gateway, endpoint } = await start('default', undefined, digits === 10 ? {} : { SAC_PUC_DIGITS: String(digits) });
      const pin = encryptField(gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
      const sent = parseResponse(
        await post(endpoint, envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode: pin } })), { soapAction: ACTION }),
      );
      assert.deepEqual(sent.errors, []);
      assert.match(sent.ok.idCertificato!, new RegExp(`^[1-9][0-9]{${digits - 1}}$`));
    });
  }
});

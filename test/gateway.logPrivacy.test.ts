/**
 * Logs never carry a diagnosis, a pincode, a password, the worker's codice
 * fiscale or a request body, at any level and on any path (accepted,
 * refused, schema error, fault, unauthenticated, internal error).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { rmSync } from 'node:fs';
import { createGateway, createLogger, type Gateway } from '../src/app.js';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { loadConfig } from '../src/config.js';
import { romeDate } from '../src/domain/dates.js';
import { DEMO, basic, parseResponse, post } from './support/soapClient.js';
import { tempDir } from './support/gateway.js';
import { withTestStore } from './support/testStore.js';
import { envelope, invioMalattia } from './support/requests.js';

const NOTE = 'Riservatissimo diagnosi XQZ';
const lines: string[] = [];
let gateway: Gateway;
let endpoint: string;
let dataDir: string;

before(async () => {
  dataDir = tempDir();
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const config = loadConfig(withTestStore({ HOST: '127.0.0.1', PORT: '0', SAC_DATA_DIR: dataDir }));
  // The gateway's own logger, at the most verbose level, into memory.
  gateway = createGateway(config, { logger: createLogger('trace', sink) });
  endpoint = `${await gateway.listen()}/CertServiceWeb/CertificatiMedici`;
});

after(async () => {
  await gateway.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('no secret or health datum reaches the log on any path', async () => {
  const pin = encryptField(gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  const today = romeDate(new Date());
  const fields = invioMalattia(today, { medico: { pincode: pin }, diagnosi: { codiceDiagnosi: '345.1', noteDiagnosi: NOTE } });
  const good = envelope('invioMalattiaRequest', fields);

  const accepted = parseResponse(await post(endpoint, good));
  assert.deepEqual(accepted.errors, []);
  const refused = parseResponse(await post(endpoint, good.replace(`<dataFine>${today}</dataFine>`, '<dataFine>2026-02-31</dataFine>')));
  assert.equal(refused.errors[0]?.tipoErrore, '4001');
  const schema = parseResponse(await post(endpoint, good.replace('<cap>00184</cap>', '<cap>XQZ12</cap>')));
  assert.equal(schema.errors[0]?.tipoErrore, '1003');
  assert.equal((await post(endpoint, good.replace('</soapenv:Envelope>', ''))).status, 500);
  assert.equal((await post(endpoint, good, { auth: basic(DEMO.medico.user, 'Sbagliata.123') })).status, 401);
  assert.equal((await post(endpoint, good, { auth: basic(DEMO.regione.user, DEMO.regione.password) })).status, 200);

  const log = lines.join('');
  assert.ok(log.includes('"operation":"InviaMalattia"'), 'the log does record the operations');
  for (const secret of [
    NOTE,
    'XQZ',
    '345.1',
    DEMO.medico.pincode,
    pin,
    pin.slice(0, 40),
    DEMO.medico.password,
    'Sbagliata.123',
    DEMO.regione.password,
    Buffer.from(`${DEMO.medico.user}:${DEMO.medico.password}`).toString('base64'),
    'RSSMRA80A01H501U',
    'invioMalattiaRequest',
    'Via Nazionale',
  ]) {
    assert.ok(!log.includes(secret), `the log contains ${JSON.stringify(secret.slice(0, 30))}`);
  }
});

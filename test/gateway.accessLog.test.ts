/**
 * The access log of the real binary: exactly one line per request (no
 * Fastify "incoming request" / "request completed" pair) with operation,
 * user, outcome, codes and duration; written in batches, so the last lines
 * sit in memory until SIGTERM, when they are flushed before the process exits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { romeDate } from '../src/domain/dates.js';
import { DEMO, basic, parseResponse, post } from './support/soapClient.js';
import { startCli } from './support/cliGateway.js';
import { tempDir } from './support/gateway.js';
import { edgeTestResources } from './support/rawHttp.js';
import { envelope, invioMalattia } from './support/requests.js';

const { track, dataDirs } = edgeTestResources();

interface Line {
  readonly msg: string;
  readonly [field: string]: unknown;
}

test('one access line per request, with its fields, flushed at SIGTERM', async () => {
  const dataDir = tempDir();
  dataDirs.push(dataDir);
  // A buffer far larger than this test's lines and a flush period far longer than the test: only the exit can write them.
  const cli = await startCli(dataDir, { track, env: { LOG_LEVEL: 'info', SAC_LOG_BUFFER_BYTES: '16000', SAC_LOG_FLUSH_MS: '60000' } });
  const pem = await (await fetch(`${cli.url}/CertServiceWeb/SanitelCF.pem`)).text();
  const pin = encryptField(pem, DEMO.medico.pincode);
  const today = romeDate(new Date());
  const good = envelope('invioMalattiaRequest', invioMalattia(today, { medico: { pincode: pin } }));

  assert.deepEqual(parseResponse(await post(cli.endpoint, good)).errors, []);
  const nonOk = parseResponse(await post(cli.endpoint, good.replace(`<dataFine>${today}</dataFine>`, '<dataFine>2026-02-31</dataFine>')));
  assert.equal(nonOk.errors[0]?.tipoErrore, '4001');
  assert.equal((await post(cli.endpoint, good.replace('</soapenv:Envelope>', ''))).status, 500);
  assert.equal((await post(cli.endpoint, good, { auth: basic(DEMO.medico.user, 'Sbagliata.123') })).status, 401);
  assert.equal((await fetch(`${cli.url}/CertServiceWeb/CertificatiMedici?wsdl`)).status, 200);

  // Batched: nothing of the calls has been written yet.
  assert.ok(!cli.output().includes('"msg":"soap call"'), 'access lines are buffered, not written one by one');
  cli.child.kill('SIGTERM');
  assert.equal((await cli.exited).code, 0);

  const lines = cli
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
  assert.ok(lines.some((l) => l.msg === 'shutting down'), 'the shutdown line itself is there');
  assert.equal(lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed').length, 0);
  const calls = lines.filter((l) => l.msg === 'soap call');
  assert.equal(calls.length, 4, 'one line per SOAP call');
  const [ok, refused, fault, unauthorized] = calls;
  assert.deepEqual(
    calls.map((l) => [l.operation, l.user, l.outcome, l.status]),
    [
      ['InviaMalattia', DEMO.medico.user, 'ok', 200],
      ['InviaMalattia', DEMO.medico.user, 'ricevutaNonOk', 200],
      ['unknown', DEMO.medico.user, fault!.outcome, 500],
      ['unknown', undefined, 'UNAUTHORIZED', 401],
    ],
  );
  assert.match(String(fault!.outcome), /^[A-Z_]+$/, 'a fault is named by its catalog key');
  assert.deepEqual(refused!.errors, ['4001']);
  assert.equal(ok!.errors, undefined);
  assert.equal(ok!.kind, 'medico');
  for (const l of calls) assert.ok(typeof l.ms === 'number' && l.ms >= 0 && l.ms < 60_000, 'duration in ms');
  void unauthorized;
  const wsdl = lines.filter((l) => l.msg === 'http request' && l.route === '/CertServiceWeb/CertificatiMedici' && l.method === 'GET');
  assert.equal(wsdl.length, 1);
  const text = cli.output();
  for (const secret of [DEMO.medico.password, 'Sbagliata.123', DEMO.medico.pincode, pin.slice(0, 40), 'RSSMRA80A01H501U']) {
    assert.ok(!text.includes(secret), `the log contains ${secret.slice(0, 20)}`);
  }
});

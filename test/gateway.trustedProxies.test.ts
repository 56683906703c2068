/**
 * Client addresses behind a reverse proxy (SAC_TRUSTED_PROXIES), on real
 * gateways: the address that keys throttles and goes into the access journal
 * is the one X-Forwarded-For names only when the request comes from a listed
 * proxy (the right-most address that is not itself a listed proxy); from any
 * other address the header is a client's claim and is ignored. Bad settings
 * stop the start with a ConfigError naming the variable.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';
import type { JournalEntry } from '../src/store/port.js';
import { startGateway, type Running } from './support/gateway.js';
import { DEMO } from './support/soapClient.js';

const running: Running[] = [];
after(async () => {
  for (const gw of running) await gw.stop();
});

/** A login with a wrong password, carrying X-Forwarded-For; then the address the journal recorded for it. */
async function failedLoginAddress(gw: Running, forwardedFor: string): Promise<string> {
  const user = DEMO.medico2.user;
  const response = await fetch(gw.endpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${user}:password-sbagliata`).toString('base64')}`,
      'content-type': 'text/xml; charset=utf-8',
      'x-forwarded-for': forwardedFor,
    },
    body: '<x/>',
  });
  assert.equal(response.status, 401);
  await response.arrayBuffer();
  for (let i = 0; i < 100; i++) {
    const entries: JournalEntry[] = [];
    for await (const e of gw.gateway.store.readJournal({ username: user })) entries.push(e);
    const failed = entries.filter((e) => e.action === 'login_fallito');
    if (failed.length > 0) return failed.at(-1)!.clientAddress;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail('the failed login was not journaled');
}

async function gateway(env: Record<string, string>): Promise<Running> {
  const gw = await startGateway(env);
  running.push(gw);
  return gw;
}

describe('X-Forwarded-For', () => {
  test('from a listed proxy: the right-most address that is not a proxy is the client', async () => {
    const gw = await gateway({ SAC_TRUSTED_PROXIES: '127.0.0.1,10.0.0.0/8' });
    // The client claims 198.51.100.1; a second proxy of ours (10.1.2.3) received it from 203.0.113.7.
    assert.equal(await failedLoginAddress(gw, '198.51.100.1, 203.0.113.7, 10.1.2.3'), '203.0.113.7');
  });

  test('without SAC_TRUSTED_PROXIES: ignored, the socket address is the client', async () => {
    const gw = await gateway({});
    assert.equal(await failedLoginAddress(gw, '203.0.113.7'), '127.0.0.1');
  });

  test('from an address that is not a listed proxy: ignored', async () => {
    const gw = await gateway({ SAC_TRUSTED_PROXIES: '10.0.0.1' });
    assert.equal(await failedLoginAddress(gw, '203.0.113.7'), '127.0.0.1');
  });
});

describe('SAC_TRUSTED_PROXIES', () => {
  test('addresses and CIDR blocks, IPv4 and IPv6; anything else stops the start', () => {
    assert.deepEqual(loadConfig({ SAC_TRUSTED_PROXIES: ' 127.0.0.1 , 10.0.0.0/8,::1,fd00::/8' }).edge.trustedProxies, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
    assert.deepEqual(loadConfig({}).edge.trustedProxies, []);
    for (const bad of ['nginx', '300.1.1.1', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/1', '10.0.0.1,']) {
      assert.throws(() => loadConfig({ SAC_TRUSTED_PROXIES: bad }), (err: unknown) => err instanceof ConfigError && /SAC_TRUSTED_PROXIES/.test(err.message), bad);
    }
  });
});

/**
 * The served WSDL's soap:address on the real binary: never the request's
 * Host header, unless the operator allow-listed that host (SAC_PUBLIC_HOSTS);
 * SAC_PUBLIC_URL wins over both; otherwise the address the request arrived on.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import http from 'node:http';
import { startCli, type CliGateway } from './support/cliGateway.js';
import { tempDir } from './support/gateway.js';

const started = new Set<ChildProcess>();
const dataDirs: string[] = [];
after(() => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<CliGateway> {
  const dir = tempDir();
  dataDirs.push(dir);
  return startCli(dir, { track: (c) => started.add(c), env });
}

/** soap:address and the XSD's location in the WSDL served for this Host header. */
function wsdlFor(gateway: CliGateway, host: string): Promise<{ status: number; address: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${gateway.endpoint}?wsdl`, { headers: { host }, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, address: /<soap:address location="([^"]*)"/.exec(body)?.[1], body });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

const SERVICE = '/CertServiceWeb/CertificatiMedici';

describe('published address', () => {
  test('a foreign Host is never written into the WSDL: the listening address is', async () => {
    const gw = await start({});
    for (const host of ['evil.example.com', 'evil.example.com:443', 'EVIL.example.com:8080', `127.0.0.1:1`]) {
      const r = await wsdlFor(gw, host);
      assert.equal(r.status, 200);
      assert.ok(!r.body.toLowerCase().includes('evil.example.com'), `Host ${host} written into the WSDL`);
      assert.equal(r.address, gw.endpoint, host);
      assert.ok(r.body.includes(`schemaLocation="${gw.endpoint}?xsd=definitorio.xsd"`));
    }
  });

  test('an allow-listed Host is used, exactly as listed; any other falls back to the listening address', async () => {
    const gw = await start({ SAC_PUBLIC_HOSTS: 'sac.asl.example.it, sac.asl.example.it:8443' });
    assert.equal((await wsdlFor(gw, 'sac.asl.example.it')).address, `http://sac.asl.example.it${SERVICE}`);
    assert.equal((await wsdlFor(gw, 'SAC.ASL.example.it:8443')).address, `http://sac.asl.example.it:8443${SERVICE}`);
    assert.equal((await wsdlFor(gw, 'sac.asl.example.it:9999')).address, gw.endpoint);
    assert.equal((await wsdlFor(gw, 'evil.example.com')).address, gw.endpoint);
  });

  test('SAC_PUBLIC_URL wins over an allow-listed Host', async () => {
    const gw = await start({ SAC_PUBLIC_URL: 'https://sac.example.org/base', SAC_PUBLIC_HOSTS: 'sac.asl.example.it' });
    assert.equal((await wsdlFor(gw, 'sac.asl.example.it')).address, `https://sac.example.org/base${SERVICE}`);
    assert.equal((await wsdlFor(gw, 'evil.example.com')).address, `https://sac.example.org/base${SERVICE}`);
  });

  test('a malformed SAC_PUBLIC_HOSTS stops the start with a configuration error', async () => {
    const dir = tempDir();
    dataDirs.push(dir);
    await assert.rejects(
      startCli(dir, { track: (c) => started.add(c), env: { SAC_PUBLIC_HOSTS: 'ok.example, bad host/"' } }),
      /SAC_PUBLIC_HOSTS must list host or host:port names/,
    );
  });
});

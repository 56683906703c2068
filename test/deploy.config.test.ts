/**
 * The files of deploy/ are read by people, but they must also be accepted by
 * the programs they configure: nginx -t on the nginx file (inside a minimal
 * nginx.conf with temporary paths), systemd-analyze verify on the unit (with
 * this machine's node and a temporary env file). A tool missing here is
 * reported as a diagnostic and its check is not run (the file check still is).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULTS, EDGE_DEFAULTS } from '../src/config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sac-deploy-'));
after(() => rmSync(work, { recursive: true, force: true }));

function tool(name: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const r = spawnSync('test', ['-x', join(dir, name)]);
    if (r.status === 0) return join(dir, name);
  }
  return undefined;
}

const nginxFile = readFileSync(join(ROOT, 'deploy/nginx/sac-gateway.conf'), 'utf8');

test('nginx: the settings tied to the gateway agree with its defaults', () => {
  // Body limit equal to SAC_BODY_LIMIT; upstream keep-alive below SAC_KEEP_ALIVE_TIMEOUT_MS; read timeout above the request timeout.
  assert.equal(DEFAULTS.bodyLimit, 1024 * 1024);
  assert.match(nginxFile, /^\s*client_max_body_size 1m;/m);
  const keepalive = Number(/^\s*keepalive_timeout (\d+)s;/m.exec(nginxFile)?.[1]);
  assert.ok(keepalive * 1000 < EDGE_DEFAULTS.keepAliveTimeoutMs, `keepalive_timeout ${keepalive}s`);
  const read = Number(/^\s*proxy_read_timeout (\d+)s;/m.exec(nginxFile)?.[1]);
  assert.ok(read * 1000 > EDGE_DEFAULTS.requestTimeoutMs + EDGE_DEFAULTS.shutdownDeadlineMs, `proxy_read_timeout ${read}s`);
  // A POST that reached a node is never sent to another one.
  assert.match(nginxFile, /^\s*proxy_next_upstream error timeout http_503;/m);
  assert.doesNotMatch(nginxFile, /^\s*proxy_next_upstream[^;#]*non_idempotent/m);
  assert.equal((nginxFile.match(/^\s*server 127\.0\.0\.1:808[123] max_fails=\d+ fail_timeout=\d+s;/gm) ?? []).length, 3);
});

test('nginx -t accepts deploy/nginx/sac-gateway.conf', (t) => {
  const nginx = tool('nginx');
  if (nginx === undefined) {
    t.diagnostic('nginx is not installed here: nginx -t not run');
    return;
  }
  const conf = join(work, 'nginx.conf');
  writeFileSync(
    conf,
    [
      `pid ${join(work, 'nginx.pid')};`,
      `error_log ${join(work, 'error.log')};`,
      'events {}',
      'http {',
      `  access_log ${join(work, 'access.log')};`,
      `  client_body_temp_path ${join(work, 'body')};`,
      `  proxy_temp_path ${join(work, 'proxy')};`,
      `  fastcgi_temp_path ${join(work, 'fastcgi')};`,
      `  uwsgi_temp_path ${join(work, 'uwsgi')};`,
      `  scgi_temp_path ${join(work, 'scgi')};`,
      `  include ${join(ROOT, 'deploy/nginx/sac-gateway.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const r = spawnSync(nginx, ['-t', '-p', work, '-c', conf], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /syntax is ok/);
  assert.match(r.stderr, /test is successful/);
});

test('systemd-analyze verify accepts deploy/systemd/sac-gateway@.service', (t) => {
  const analyze = tool('systemd-analyze');
  if (analyze === undefined) {
    t.diagnostic('systemd-analyze is not installed here: the unit is not verified');
    return;
  }
  const unitText = readFileSync(join(ROOT, 'deploy/systemd/sac-gateway@.service'), 'utf8');
  assert.match(unitText, /^KillSignal=SIGTERM$/m);
  const stopS = Number(/^TimeoutStopSec=(\d+)s$/m.exec(unitText)?.[1]);
  assert.ok(stopS * 1000 > EDGE_DEFAULTS.shutdownDeadlineMs + 2_000, `TimeoutStopSec ${stopS}s above the drain`);
  // This machine's paths for what the unit starts and reads; everything else as shipped.
  const envFile = join(work, 'sac-gateway.env');
  writeFileSync(envFile, readFileSync(join(ROOT, 'deploy/systemd/sac-gateway.env')));
  const unit = unitText
    .replace('EnvironmentFile=/etc/sac-gateway/sac-gateway.env', `EnvironmentFile=${envFile}`)
    .replace('ExecStart=/usr/bin/node /opt/sac-gateway/dist/src/cli.js serve', `ExecStart=${process.execPath} ${join(ROOT, 'dist/src/cli.js')} serve`)
    .replace('WorkingDirectory=/opt/sac-gateway', `WorkingDirectory=${ROOT.replace(/\/$/, '')}`);
  const path = join(work, 'sac-gateway@8081.service');
  writeFileSync(path, unit);
  const r = spawnSync(analyze, ['verify', '--man=no', path], { encoding: 'utf8', timeout: 60_000 });
  // Lines about this machine's own units (no systemd running in a container) are not the file's problems.
  const ours = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('sac-gateway'));
  t.diagnostic(`systemd-analyze verify: exit ${r.status}; ${ours.length} line(s) about the unit`);
  assert.deepEqual(ours, [], `${r.stdout}${r.stderr}`);
});

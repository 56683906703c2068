/**
 * What the admission hooks add to one SOAP call, in-process (issue 10):
 * `node dist/bench/admissionCost.js`. Two Fastify apps answer the same POST
 * in a plugin scope, one bare, one with the gateway's admission hooks (the
 * draining check, under-pressure, calls in flight + write backlog, the token
 * bucket); each is driven with light-my-request (inject) in alternating
 * rounds, and the difference of the medians is the hooks' cost. The parts
 * are also timed alone in tight loops.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { EventEmitter } from 'node:events';
import { ADMISSION_DEFAULTS, RATE_LIMIT_DEFAULTS } from '../src/config.js';
import { romeMinuteOfDay } from '../src/domain/dates.js';
import { Admission } from '../src/http/admission.js';
import { UserRateLimit } from '../src/http/userRateLimit.js';
import { inBand } from '../src/sac/timeBands.js';

const ROUNDS = 7;
const PER_ROUND = 20_000;

async function app(withHooks: boolean): Promise<FastifyInstance> {
  const f = Fastify({ logger: false });
  await f.register(async (scope) => {
    if (withHooks) {
      // A bucket that never empties: its work is measured, not its refusals.
      const limit = new UserRateLimit({ medico: { perSecond: 1e9, burst: 1e9 } });
      const admission = new Admission({ ...ADMISSION_DEFAULTS, rateLimits: RATE_LIMIT_DEFAULTS, timeBands: {} }, { pendingWrites: () => 0 });
      const draining = false;
      scope.addHook('onRequest', (_req, _reply, done) => {
        if (draining) throw new Error('unreachable');
        done();
      });
      await admission.register(scope);
      let n = 0;
      scope.addHook('onRequest', (_req, _reply, done) => {
        // The login hook's added work: one token taken (two users, as the benchmark has).
        if (limit.take(n++ % 2 === 0 ? 'MDCTST70A01H501K' : 'MDCSCN85M45F839N', 'medico') > 0) throw new Error('limited');
        done();
      });
    } else {
      scope.addHook('onRequest', (_req, _reply, done) => done());
    }
    scope.post('/x', async () => 'ok');
  });
  await f.ready();
  return f;
}

async function round(f: FastifyInstance): Promise<number> {
  const began = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i++) {
    const r = await f.inject({ method: 'POST', url: '/x', payload: 'x', headers: { 'content-type': 'text/plain' } });
    if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
  }
  return Number(process.hrtime.bigint() - began) / 1000 / PER_ROUND;
}

function loop(name: string, n: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < n / 10; i++) fn(i);
  const began = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  console.log(`${name}: ${(Number(process.hrtime.bigint() - began) / n).toFixed(0)} ns`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const bare = await app(false);
const hooked = await app(true);
const a: number[] = [];
const b: number[] = [];
await round(bare);
await round(hooked);
for (let r = 0; r < ROUNDS; r++) {
  a.push(await round(bare));
  b.push(await round(hooked));
}
console.log(`inject, bare scope: median ${median(a).toFixed(2)} µs/request (${a.map((x) => x.toFixed(2)).join(' ')})`);
console.log(`inject, admission hooks: median ${median(b).toFixed(2)} µs/request (${b.map((x) => x.toFixed(2)).join(' ')})`);
console.log(`added: ${(median(b) - median(a)).toFixed(2)} µs/request`);

const limit = new UserRateLimit(RATE_LIMIT_DEFAULTS);
loop('token bucket take (2 users)', 2_000_000, (i) => limit.take(i % 2 === 0 ? 'MDCTST70A01H501K' : 'MDCSCN85M45F839N', 'regione'));
const emitter = new EventEmitter();
let inFlight = 0;
const leave = () => inFlight--;
loop("in-flight count (once('close') + emit)", 2_000_000, () => {
  inFlight++;
  emitter.once('close', leave);
  emitter.emit('close');
});
const band = { fromMinute: 480, toMinute: 960, label: '08:00-16:00' };
loop('time band check (clock read + Rome minute + band)', 2_000_000, () => inBand(band, romeMinuteOfDay(new Date())));
await bare.close();
await hooked.close();

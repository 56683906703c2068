/**
 * GET /healthz (liveness): 200 while the gateway can read and write its store; 503 once it cannot, or while it drains.
 * GET /readyz (readiness, for a balancer): 503 also while the process is overloaded, so new calls go elsewhere.
 */
import type { FastifyInstance } from 'fastify';
import type { StoreHealth, UserStore } from '../store/port.js';
import type { Admission } from './admission.js';
import type { Drain } from './drain.js';

export function registerHealth(app: FastifyInstance, store: Pick<UserStore, 'countUsers'> & StoreHealth, drain: Drain, admission: Admission): void {
  app.get('/healthz', async (_request, reply) => {
    // A draining process must leave a balancer's rotation before its connections are closed.
    if (drain.draining) return reply.code(503).header('retry-after', String(drain.retryAfterS)).send({ status: 'draining' });
    await store.countUsers(); // touches the database: a broken store makes this fail
    // A gateway that can read but not write must not look healthy to a balancer or supervisor.
    if (store.writeFailure()) return reply.code(503).send({ status: 'unavailable', reason: 'store writer stopped' });
    return reply.send({ status: 'ok' });
  });

  // No database read: a balancer polls this often, and it must answer even when the process is busy.
  app.get('/readyz', async (_request, reply) => {
    if (drain.draining) return reply.code(503).header('retry-after', String(drain.retryAfterS)).send({ status: 'draining' });
    if (store.writeFailure()) return reply.code(503).send({ status: 'unavailable', reason: 'store writer stopped' });
    const overload = admission.overload();
    const state = admission.state();
    if (overload !== undefined) {
      return reply.code(503).header('retry-after', String(admission.retryAfterS())).send({ status: 'overloaded', reason: overload, ...state });
    }
    return reply.send({ status: 'ready', ...state });
  });
}

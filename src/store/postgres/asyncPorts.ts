/**
 * The current ports (src/store/port.ts, sandboxPort.ts) with every method
 * asynchronous, as the PostgreSQL adapter implements them: a read is a round
 * trip to the server. A method answering an iterable answers an array.
 * (The ports themselves are being made asynchronous in their own change;
 * this mapping keeps the adapter checked against them meanwhile.)
 */
import type { CertificateStore, EmploymentRegistry, PersonRegistry } from '../port.js';
import type { SandboxStore } from '../sandboxPort.js';

type Settled<R> = Awaited<R> extends string ? Awaited<R> : Awaited<R> extends Iterable<infer E> ? E[] : Awaited<R>;

export type AsyncMethods<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Settled<R>> : T[K];
};

export type AsyncCertificateStore = AsyncMethods<CertificateStore>;
export type AsyncPersonRegistry = AsyncMethods<PersonRegistry>;
export type AsyncEmploymentRegistry = AsyncMethods<EmploymentRegistry>;
export type AsyncSandboxStore = AsyncMethods<SandboxStore>;

/**
 * CertificatiMedici as a hosted service (src/soap/service.ts): its contract
 * (src/contract/service.ts), its compiled XSD, the ten handlers wrapped by
 * the time bands and the look-up throttle, and the services each call gets
 * (the shared ones and the access journal bound to its caller). The gateway
 * (src/app.ts) hosts it beside any other descriptor.
 */
import { diagnostic } from '../catalog/diagnostics.js';
import type { LookupFailureLimit, TimeBand } from '../config.js';
import type { OperationName, OperationSpec } from '../contract/operations.js';
import { CERTIFICATI_MEDICI } from '../contract/service.js';
import type { Annotate, ServiceStateNow } from '../soap/pipeline.js';
import type { SoapContract, SoapServiceDescriptor } from '../soap/service.js';
import type { UserKind, UserRecord } from '../store/port.js';
import type { XmlLimits } from '../xml/limits.js';
import type { ContractSchema } from '../xml/schema.js';
import { HANDLERS } from './handlers.js';
import { requestServices } from './journal.js';
import { withLookupThrottle } from './lookupThrottle.js';
import type { Clock, Services, SharedServices } from './services.js';
import { withTimeBands } from './timeBands.js';
import { SAC_CALLER_KINDS, senderSection } from './callerKinds.js';

export const CERTIFICATI_MEDICI_CONTRACT: SoapContract<OperationSpec> = CERTIFICATI_MEDICI;

/**
 * The kinds of user CertificatiMedici serves, on every operation. Which of
 * them may do what (an operatore sends no certificate, a regione acts for
 * its doctors) stays in the handlers, which name the section at fault.
 */
const SERVED_KINDS: readonly UserKind[] = [...SAC_CALLER_KINDS];

const ALLOWED_KINDS = Object.fromEntries(CERTIFICATI_MEDICI.operations.map((op) => [op.name, SERVED_KINDS])) as Record<OperationName, readonly UserKind[]>;

export interface CertificatiMediciSetup {
  /** The contract's XSD, compiled once; the gateway disposes of it when it closes. */
  readonly schema: ContractSchema;
  readonly shared: SharedServices;
  readonly xmlLimits: XmlLimits;
  /** Failed look-ups by protocol number per caller (SAC_LOOKUP_FAILURES); none when undefined. */
  readonly lookupFailures: LookupFailureLimit | undefined;
  /** Hours of service per kind of user (SAC_TIME_BANDS). */
  readonly timeBands: Readonly<Partial<Record<UserKind, TimeBand>>>;
  /** Notices and stops (maintenance windows, the sandbox's injections); none when undefined. */
  readonly stateNow?: ServiceStateNow<UserRecord, OperationSpec> | undefined;
  /** The sandbox's conformance warnings; none when undefined. */
  readonly annotate?: Annotate<UserRecord, OperationSpec> | undefined;
  /** The caller's own clock (the sandbox's time travel); the shared clock when undefined. */
  readonly clockFor?: ((username: string) => Clock) | undefined;
}

export function certificatiMediciService(setup: CertificatiMediciSetup): SoapServiceDescriptor<UserRecord, Services, OperationSpec> {
  const { shared, clockFor } = setup;
  return {
    contract: CERTIFICATI_MEDICI_CONTRACT,
    schema: setup.schema,
    allowedKinds: ALLOWED_KINDS,
    kindOf: (caller) => caller.kind,
    kindRefused: (kind, operation) => [diagnostic('UTENTE_NON_ABILITATO', { sezione: senderSection(operation.name), tipo: kind, servizio: operation.name })],
    // Hours of service per kind of user: checked before each handler;
    // then, for look-ups by protocol number, the failed look-ups of the caller.
    handlers: withTimeBands(withLookupThrottle(HANDLERS, setup.lookupFailures), setup.timeBands),
    servicesFor: (call, operation) =>
      requestServices(
        shared,
        { username: call.caller.username, clientAddress: call.clientAddress, operation: operation.name },
        clockFor?.(call.caller.username),
      ),
    xmlLimits: setup.xmlLimits,
    stateNow: setup.stateNow,
    annotate: setup.annotate,
  };
}

/**
 * AttestatiMalattia as a hosted service: the same descriptor type as
 * CertificatiMedici (src/soap/service.ts), so the same pipeline, envelope
 * checks, writer, faults, limits, login and admission control run it. Its
 * own: the contract (contract.ts), the compiled attestati.xsd, who may call
 * each operation, the handlers (wrapped by the time bands and the look-up
 * throttle) and what each call gets (InpsConsultation and the access journal
 * bound to the call).
 */
import { diagnostic } from '../catalog/diagnostics.js';
import type { TimeBand } from '../config.js';
import type { InpsConsultation } from '../inps/consultation.js';
import { requestJournal } from '../sac/journal.js';
import type { Clock } from '../sac/services.js';
import { withTimeBands } from '../sac/timeBands.js';
import type { SoapServiceDescriptor } from '../soap/service.js';
import type { AccessJournal, PersonRegistry, UserKind, UserRecord } from '../store/port.js';
import type { XmlLimits } from '../xml/limits.js';
import type { ContractSchema } from '../xml/schema.js';
import { ATTESTATI_MALATTIA, type AttestatiOperation, type AttestatiOperationName } from './contract.js';
import { ATTESTATI_HANDLERS, type AttestatiServices } from './handlers.js';
import { withInpsLookupThrottle } from './lookupThrottle.js';
import type { InpsLookupThrottle } from '../inps/lookupThrottle.js';

const EVERY_KIND: readonly UserKind[] = ['medico', 'regione', 'operatore', 'datore', 'lavoratore'];

/**
 * Who may call what. A look-up by CF and protocol number, a document by
 * number and a printed copy: every logged-in user (InpsConsultation answers
 * each only what is theirs). The employer's list: employers only; the
 * worker's list: workers only.
 */
export const ATTESTATI_ALLOWED_KINDS: Readonly<Record<AttestatiOperationName, readonly UserKind[]>> = {
  ConsultaAttestato: EVERY_KIND,
  ConsultaDocumento: EVERY_KIND,
  ElencoDocumentiDatore: ['datore'],
  ElencoDocumentiLavoratore: ['lavoratore'],
  StampaDocumento: EVERY_KIND,
};

export interface AttestatiSetup {
  /** attestati.xsd, compiled once; the gateway disposes of it when it closes. */
  readonly schema: ContractSchema;
  /** The INPS side's reads (the one place its rules live). */
  readonly consultation: InpsConsultation;
  /** Where the access journal is written. */
  readonly store: AccessJournal;
  readonly registry: Pick<PersonRegistry, 'findPerson'>;
  readonly clock: Clock;
  readonly xmlLimits: XmlLimits;
  /** Failed look-ups per user and per client address (SAC_LOOKUP_FAILURES), shared with the HTTP routes; none when undefined. */
  readonly lookupThrottle: InpsLookupThrottle | undefined;
  /** Hours of service per kind of user (SAC_TIME_BANDS), as for CertificatiMedici. */
  readonly timeBands: Readonly<Partial<Record<UserKind, TimeBand>>>;
}

export function attestatiMalattiaService(setup: AttestatiSetup): SoapServiceDescriptor<UserRecord, AttestatiServices, AttestatiOperation> {
  const { consultation, store, registry, clock } = setup;
  const throttled = setup.lookupThrottle === undefined ? ATTESTATI_HANDLERS : withInpsLookupThrottle(ATTESTATI_HANDLERS, setup.lookupThrottle);
  return {
    contract: ATTESTATI_MALATTIA,
    schema: setup.schema,
    allowedKinds: ATTESTATI_ALLOWED_KINDS,
    kindOf: (caller) => caller.kind,
    kindRefused: (kind, operation) => [diagnostic('UTENTE_NON_ABILITATO', { sezione: operation.requestElement, tipo: kind, servizio: operation.name })],
    handlers: withTimeBands(throttled, setup.timeBands),
    servicesFor: (call, operation) => ({
      consultation,
      registry,
      clock,
      clientAddress: call.clientAddress,
      journal: requestJournal(store, clock, { username: call.caller.username, clientAddress: call.clientAddress, operation: operation.name }),
    }),
    xmlLimits: setup.xmlLimits,
  };
}

/**
 * The day the gateway tests are set on, and a gateway pinned to it with the
 * demo doctor's pincode encrypted as a client would send it.
 */
import { encryptField } from '../../src/auth/pincodeCipher.js';
import { startGateway, type Running } from './gateway.js';
import { DEMO } from './soapClient.js';

/** 10:00 in Rome on Wednesday 25 November 2026, in winter (UTC+1). */
export const NOW = '2026-11-25T09:00:00.000Z';
/** NOW's day in Europe/Rome. */
export const TODAY = '2026-11-25';

export interface PinnedGateway {
  readonly gw: Running;
  /** DEMO.medico's pincode, encrypted with this gateway's pincode certificate. */
  readonly pin: string;
}

/** A gateway (see startGateway) whose clock reads `now`, and the demo doctor's encrypted pincode. Stop it with gw.stop(). */
export async function pinnedGateway(now: string, env: Record<string, string> = {}): Promise<PinnedGateway> {
  const gw = await startGateway(env);
  gw.clock.set(now);
  return { gw, pin: encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode) };
}

/**
 * Protocol numbers (PUC for certificates, PUCIR for admissions). With the
 * worker's codice fiscale a PUC opens the attestato to anyone, so it must not
 * be derivable from another one: 18 digits drawn from the CSPRNG (~60 bits),
 * never a counter. Uniqueness is enforced by the store's primary key.
 */
import { randomInt } from 'node:crypto';

export const PUC_DIGITS = 18;

export function newProtocolNumber(): string {
  // Three draws of six digits each: randomInt's range must stay below 2^48.
  const head = randomInt(100_000, 1_000_000).toString();
  const middle = randomInt(0, 1_000_000).toString().padStart(6, '0');
  const tail = randomInt(0, 1_000_000).toString().padStart(6, '0');
  return head + middle + tail;
}

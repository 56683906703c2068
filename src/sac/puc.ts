/**
 * Protocol numbers: PUC (certificates), PUCIR (admissions) and idAnnullamento
 * (cancellations). Numeric, `digits` long (SAC_PUC_DIGITS, default 10: real
 * PUCs are 9 digits and HR software warns above 10 characters), the first
 * digit never 0 so a number kept as an integer reads back the same. Drawn from
 * the CSPRNG, never a counter: one PUC says nothing about the next. With 10
 * digits the space (9 x 10^9) is small enough to be guessed given unlimited
 * tries: the anti-guessing rests on the failed-lookup throttles
 * (docs/security.md). Uniqueness is enforced by the store's keys; a collision
 * is retried with a fresh draw (lifecycle.ts withNewProtocolNumber).
 */
import { randomInt } from 'node:crypto';

/** Default length: the 10 characters HR software accepts without a warning. */
export const PUC_DEFAULT_DIGITS = 10;
/** Shortest allowed: the length of the real PUCs observed. */
export const PUC_MIN_DIGITS = 9;
/** Longest allowed: the earlier length, still within a signed 64-bit integer (19 digits would not always be). */
export const PUC_MAX_DIGITS = 18;
/** randomInt's range must stay below 2^48: one draw covers up to 14 digits. */
const ONE_DRAW_DIGITS = 14;

/** A number of `digits` digits, the first not 0 (9 x 10^(digits-1) possible values). */
export function newProtocolNumber(digits: number = PUC_DEFAULT_DIGITS): string {
  if (!Number.isInteger(digits) || digits < PUC_MIN_DIGITS || digits > PUC_MAX_DIGITS) {
    throw new RangeError(`protocol numbers have ${PUC_MIN_DIGITS} to ${PUC_MAX_DIGITS} digits, not ${digits}`);
  }
  if (digits <= ONE_DRAW_DIGITS) return randomInt(10 ** (digits - 1), 10 ** digits).toString();
  // Longer: a head of (digits - 12) digits, then two draws of six digits each.
  const headDigits = digits - 12;
  const head = randomInt(10 ** (headDigits - 1), 10 ** headDigits).toString();
  const middle = randomInt(0, 1_000_000).toString().padStart(6, '0');
  const tail = randomInt(0, 1_000_000).toString().padStart(6, '0');
  return head + middle + tail;
}

/** The gateway's source of protocol numbers for a configured length (services.newId). */
export function protocolNumberSource(digits: number = PUC_DEFAULT_DIGITS): () => string {
  newProtocolNumber(digits); // a bad length fails at start, not on the first certificate
  return () => newProtocolNumber(digits);
}

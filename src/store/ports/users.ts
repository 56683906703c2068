/**
 * Users and their credentials: who logs in, as what kind, for which region
 * and hospital. Read on every request (through the adapter's cache).
 */

/**
 * Who logs in. medico, regione and operatore call CertificatiMedici;
 * datore (an employer: username its 11-digit codice fiscale) and lavoratore
 * (a worker: username their codice fiscale) read the INPS side (issue 12) and
 * may call none of the ten CertificatiMedici operations (src/sac/callerKinds.ts).
 */
export type UserKind = 'medico' | 'regione' | 'operatore' | 'datore' | 'lavoratore';

export interface UserRecord {
  /** HTTP Basic user name. For doctors and operators it is their codice fiscale. */
  readonly username: string;
  readonly kind: UserKind;
  readonly passwordHash: string;
  /** Doctors only: slow hash of the pincode they send encrypted. */
  readonly pincodeHash: string | null;
  /**
   * Region code (e.g. "120"): the doctor's or operator's region, or the region a
   * regione user acts for. Authorization fails closed: null matches nothing.
   */
  readonly codiceRegione: string | null;
  /** Operators and hospital doctors: their ASL and structure (a doctor without them files no discharge). */
  readonly codiceAsl: string | null;
  readonly codiceStruttura: string | null;
}

export interface UserStore {
  /**
   * The user, or undefined. Read by every request: an adapter answers from a
   * short cache, and a change made anywhere (this process, the CLI, another
   * node) is seen within a bounded time (`sac-gateway users` waits for it).
   */
  findUser(username: string): Promise<UserRecord | undefined>;
  /**
   * The user as this process's cache holds it now, under the same staleness
   * bound as findUser, without reading the engine: `{ user }` (user undefined
   * for a cached "no such user"), or undefined when nothing is cached. Lets
   * the login's hot path answer a kept-alive connection without a promise;
   * an adapter without a cache returns undefined (the caller then awaits
   * findUser).
   */
  cachedUser(username: string): { readonly user: UserRecord | undefined } | undefined;
  /** Adds or replaces; settles once committed. */
  putUser(user: UserRecord): Promise<void>;
  countUsers(): Promise<number>;
  /** Every user, by username (read lazily: the administration CLI lists them). */
  listUsers(): AsyncIterable<UserRecord>;
}

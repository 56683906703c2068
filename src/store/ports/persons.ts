/** The registry of assisted persons (banca dati degli assistiti). */

export interface Person {
  readonly codiceFiscale: string;
  readonly cognome: string;
  readonly nome: string;
  readonly sesso: 'M' | 'F';
  readonly dataNascita: string;
  readonly comuneNascita: string;
  readonly provinciaNascita: string;
}

export interface PersonRegistry {
  /** Read by every request that names a worker: an adapter answers from a cache its own writes empty. */
  findPerson(codiceFiscale: string): Promise<Person | undefined>;
  /**
   * Adds or replaces, in batches (each one transaction); settles once all are
   * committed and returns how many were written. Rejects with
   * InvalidPersonError on a name outside the contract's form (earlier
   * batches stay written).
   */
  putPersons(persons: Iterable<Person>): Promise<number>;
  countPersons(): Promise<number>;
}

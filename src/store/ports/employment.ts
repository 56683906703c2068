/**
 * One employment (rapporto di lavoro): a worker employed by a company from
 * `from` to `to` inclusive (YYYY-MM-DD; `to` null while it lasts). An employer
 * sees a worker's documents only for absences overlapping an employment with
 * it (issue 12).
 */
export interface Employment {
  readonly workerCf: string;
  /** The company's codice fiscale (11 digits, check digit verified). */
  readonly employerCf: string;
  readonly ragioneSociale: string;
  /** The company's INPS registration number (10 digits). */
  readonly matricolaInps: string;
  /** The INPS office (sede) code (4 digits). */
  readonly codSede: string;
  readonly from: string;
  readonly to: string | null;
}

/**
 * Who employs whom (migration 9). Every look-up takes an inclusive range of
 * days and answers the employments that share at least one day with it:
 * start <= `to` and (no end, or end >= `from`).
 */
export interface EmploymentRegistry {
  /** The worker's employments overlapping [from, to], by start then employer. */
  employersOf(workerCf: string, from: string, to: string): Promise<Employment[]>;
  /** The employer's employments overlapping [from, to], by worker then start. */
  workersOf(employerCf: string, from: string, to: string): Promise<Employment[]>;
  /** Whether the employer employed the worker on at least one day of [from, to] (an absence's first to last day). */
  employs(employerCf: string, workerCf: string, from: string, to: string): Promise<boolean>;
  /**
   * Adds or replaces (same worker, employer and start) through the single
   * writer, in one transaction; settles once committed. Returns how many.
   */
  putEmployments(employments: readonly Employment[]): Promise<number>;
  countEmployments(): Promise<number>;
}

/**
 * The access journal: who read or changed which health datum, when, from
 * where. Append-only; kept in the store, never in the log.
 */
export type JournalAction =
  | 'lettura'
  | 'creazione'
  | 'rettifica'
  | 'annullamento'
  /** A discharge certificate was filed against this admission. */
  | 'dimissione'
  /** A look-up named a certificate or admission that exists but is not the caller's. */
  | 'accesso_negato'
  | 'login_fallito';

export type JournalSubjectKind = 'certificato' | 'ricovero' | 'persona' | 'utente';

/** What every entry of one request shares: when, who, from where, in which operation. */
export interface JournalStamp {
  /** xs:dateTime with the Europe/Rome offset, like dataRicezione. */
  readonly at: string;
  readonly username: string;
  readonly clientAddress: string;
  readonly operation: string;
}

export interface JournalEntry extends JournalStamp {
  readonly action: JournalAction;
  readonly subjectKind: JournalSubjectKind;
  readonly subjectId: string;
  /** A short fixed word (e.g. why a login failed); never a value from a request, never a diagnosis. */
  readonly detail?: string | null;
}

/** One subject, one user, or one person (with every certificate and admission of that person). */
export type JournalQuery =
  | { readonly subjectKind: Exclude<JournalSubjectKind, 'persona'>; readonly subjectId: string }
  | { readonly username: string }
  | { readonly person: string };

export interface AccessJournal {
  /**
   * Append entries (reads, refused look-ups, failed logins). Settles once
   * they are committed: a read of health data awaits it before its answer
   * leaves. The entries of a change are not appended here: they commit with
   * the change (its JournalStamp).
   */
  appendJournal(entries: readonly JournalEntry[]): Promise<void>;
  /** The journal's entries for one subject, user or person, oldest first, read lazily. */
  readJournal(query: JournalQuery): AsyncIterable<JournalEntry>;
}

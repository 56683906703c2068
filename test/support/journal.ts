/** The access journal's entries for a query, as an array (the port reads them lazily). */
import type { AccessJournal, JournalEntry, JournalQuery } from '../../src/store/port.js';

export async function journalOf(store: Pick<AccessJournal, 'readJournal'>, query: JournalQuery): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  for await (const entry of store.readJournal(query)) entries.push(entry);
  return entries;
}

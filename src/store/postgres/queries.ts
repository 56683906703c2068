/** The SQL of the PostgreSQL adapter's reads and writes (the same statements SQLite's adapter prepares, in PostgreSQL's dialect). */

export const INSERT_CERTIFICATE = `INSERT INTO certificati (id_certificato, kind, medico_cf, lavoratore_cf, data_ricezione, sent_by, state,
    data_rilascio, data_inizio, data_fine, document, rettifica_di, id_inizio_ricovero, client_address, paper_window)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`;

export const INSERT_RICOVERO = `INSERT INTO ricoveri (id_inizio_ricovero, lavoratore_cf, operatore_cf, codice_regione, codice_asl, codice_struttura,
    sent_by, data_ricezione, data_ricovero, state, document, client_address)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`;

export const CANCEL_CERTIFICATE = `UPDATE certificati SET state = 'annullato', id_annullamento = $1, data_annullamento = $2
  WHERE id_certificato = $3 AND state = 'attivo' RETURNING id_certificato`;

export const MARK_RECTIFIED = `UPDATE certificati SET state = 'rettificato' WHERE id_certificato = $1 AND state = 'attivo' RETURNING id_certificato`;

/** The admission, locked: its cancellation and its discharges are decided one at a time. */
export const LOCK_RICOVERO = 'SELECT state FROM ricoveri WHERE id_inizio_ricovero = $1 FOR UPDATE';

export const CANCEL_RICOVERO = `UPDATE ricoveri SET state = 'annullato', id_annullamento = $1, data_annullamento = $2
  WHERE id_inizio_ricovero = $3 AND state = 'attivo' RETURNING id_inizio_ricovero`;

/** Only the newest link of a rectification chain is 'attivo'; a rectified original no longer counts. */
export const ACTIVE_DISCHARGE = `SELECT id_certificato FROM certificati
  WHERE id_inizio_ricovero = $1 AND kind = 'dimissione' AND state = 'attivo' LIMIT 1`;

export const JOURNAL_INSERT_COLUMNS = '(at, username, client_address, operation, action, subject_kind, subject_id, detail)';

/** The journal's columns, in the order every branch of a journal query yields them. */
const JOURNAL_COLUMNS = 'seq, at, username, client_address, operation, action, subject_kind, subject_id, detail';
const CERTIFICATE_CREATIONS = `SELECT NULL::bigint AS seq, data_ricezione AS at, sent_by AS username, coalesce(client_address, '') AS client_address,
    CASE WHEN kind = 'malattia' THEN CASE WHEN rettifica_di IS NULL THEN 'InviaMalattia' ELSE 'RettificaMalattia' END
         ELSE CASE WHEN rettifica_di IS NULL THEN 'InviaDimissione' ELSE 'RettificaDimissione' END END AS operation,
    'creazione' AS action, 'certificato' AS subject_kind, id_certificato AS subject_id, NULL AS detail
  FROM certificati`;
const ADMISSION_CREATIONS = `SELECT NULL::bigint AS seq, data_ricezione AS at, sent_by AS username, coalesce(client_address, '') AS client_address,
    'InviaRicovero' AS operation, 'creazione' AS action, 'ricovero' AS subject_kind, id_inizio_ricovero AS subject_id, NULL AS detail
  FROM ricoveri`;
/** Oldest first; a creation (no seq) before what followed it at the same instant (SQLite sorts NULL first; PostgreSQL must be told). */
const JOURNAL_ORDER = 'ORDER BY at, seq NULLS FIRST';

export const JOURNAL_BY_SUBJECT = `SELECT * FROM (
    SELECT ${JOURNAL_COLUMNS} FROM access_journal WHERE subject_id = $1 AND subject_kind = $2
    UNION ALL ${CERTIFICATE_CREATIONS} WHERE $2 = 'certificato' AND id_certificato = $1
    UNION ALL ${ADMISSION_CREATIONS} WHERE $2 = 'ricovero' AND id_inizio_ricovero = $1
  ) j ${JOURNAL_ORDER}`;

export const JOURNAL_BY_USER = `SELECT * FROM (
    SELECT ${JOURNAL_COLUMNS} FROM access_journal WHERE username = $1
    UNION ALL ${CERTIFICATE_CREATIONS} WHERE medico_cf = $1 AND sent_by = $1
    UNION ALL ${CERTIFICATE_CREATIONS} WHERE sent_by = $1 AND sent_by <> medico_cf
    UNION ALL ${ADMISSION_CREATIONS} WHERE sent_by = $1
  ) j ${JOURNAL_ORDER}`;

export const JOURNAL_BY_PERSON = `SELECT * FROM (
    SELECT ${JOURNAL_COLUMNS} FROM access_journal WHERE subject_id IN (
        SELECT $1::ctext UNION ALL
        SELECT id_certificato FROM certificati WHERE lavoratore_cf = $1 UNION ALL
        SELECT id_inizio_ricovero FROM ricoveri WHERE lavoratore_cf = $1)
      AND subject_kind IN ('persona', 'certificato', 'ricovero')
    UNION ALL ${CERTIFICATE_CREATIONS} WHERE lavoratore_cf = $1
    UNION ALL ${ADMISSION_CREATIONS} WHERE lavoratore_cf = $1
  ) j ${JOURNAL_ORDER}`;

export const FIND_CERTIFICATES = `SELECT * FROM certificati WHERE medico_cf = $1 AND lavoratore_cf = $2 AND kind = $3
  AND data_rilascio BETWEEN $4 AND $5 ORDER BY data_rilascio DESC, data_ricezione DESC`;

/** The day of a reception or cancellation is its first ten characters (written with Rome's offset). */
export const CERTIFICATES_FOR_EMPLOYER = `SELECT * FROM certificati
  WHERE lavoratore_cf IN (SELECT lavoratore_cf FROM rapporti_lavoro WHERE datore_cf = $1)
    AND (substr(data_ricezione, 1, 10) BETWEEN $2 AND $3 OR substr(data_annullamento, 1, 10) BETWEEN $2 AND $3)
  LIMIT $4`;

export const RICOVERI_FOR_EMPLOYER = `SELECT * FROM ricoveri
  WHERE lavoratore_cf IN (SELECT lavoratore_cf FROM rapporti_lavoro WHERE datore_cf = $1)
    AND (substr(data_ricezione, 1, 10) BETWEEN $2 AND $3 OR substr(data_annullamento, 1, 10) BETWEEN $2 AND $3)
  LIMIT $4`;

export const PUT_USER = `INSERT INTO users (username, kind, password_hash, pincode_hash, codice_regione, codice_asl, codice_struttura)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (username) DO UPDATE SET kind = excluded.kind, password_hash = excluded.password_hash,
    pincode_hash = excluded.pincode_hash, codice_regione = excluded.codice_regione,
    codice_asl = excluded.codice_asl, codice_struttura = excluded.codice_struttura`;

/** A batch of persons as parallel arrays (one statement per batch). */
export const PUT_PERSONS = `INSERT INTO assistiti (codice_fiscale, cognome, nome, sesso, data_nascita, comune_nascita, provincia_nascita)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
  ON CONFLICT (codice_fiscale) DO UPDATE SET cognome = excluded.cognome, nome = excluded.nome, sesso = excluded.sesso,
    data_nascita = excluded.data_nascita, comune_nascita = excluded.comune_nascita, provincia_nascita = excluded.provincia_nascita`;

/** Shares a day with [$from, $to], both inclusive; an employment without an end lasts. */
const OVERLAPS = (from: string, to: string): string => `data_inizio <= ${to} AND (data_fine IS NULL OR data_fine >= ${from})`;

export const EMPLOYERS_OF = `SELECT * FROM rapporti_lavoro WHERE lavoratore_cf = $1 AND ${OVERLAPS('$2', '$3')} ORDER BY data_inizio, datore_cf`;
export const WORKERS_OF = `SELECT * FROM rapporti_lavoro WHERE datore_cf = $1 AND ${OVERLAPS('$2', '$3')} ORDER BY lavoratore_cf, data_inizio`;
export const EMPLOYS = `SELECT 1 FROM rapporti_lavoro WHERE datore_cf = $1 AND lavoratore_cf = $2 AND ${OVERLAPS('$3', '$4')} LIMIT 1`;

export const PUT_EMPLOYMENTS = `INSERT INTO rapporti_lavoro (lavoratore_cf, datore_cf, data_inizio, data_fine, ragione_sociale, matricola_inps, cod_sede)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
  ON CONFLICT (lavoratore_cf, datore_cf, data_inizio) DO UPDATE SET data_fine = excluded.data_fine,
    ragione_sociale = excluded.ragione_sociale, matricola_inps = excluded.matricola_inps, cod_sede = excluded.cod_sede`;

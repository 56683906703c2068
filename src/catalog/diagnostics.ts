/**
 * The diagnostics catalog: every tipoErrore the gateway can answer, and every
 * SOAP fault it can raise. Nothing else in the code invents a code or a text;
 * docs/diagnostics.md is rendered from these tables (and a test keeps it so).
 *
 * Code ranges: 1xxx schema, 2xxx identity, 3xxx worker, 4xxx dates,
 * 5xxx diagnosis, 6xxx addresses, 7xxx certificate lifecycle (7020-7029 the INPS side's documents), 8xxx the
 * service's schedule, load and resubmissions (8001 time bands, 8002-8009
 * maintenance windows and the paper fallback, 8010 resubmissions, 8011-8012 failed look-ups), 9xxx
 * system. System notices (ricevutaInfo) take codes from the same ranges.
 */
import { GatewayError } from '../errors.js';

export interface DiagnosticSpec {
  /** tipoErrore on the wire: 1 to 5 digits (contract type string1-5). */
  readonly code: string;
  /** sezioneErrata, or a description of it when it depends on the request. */
  readonly sezione: string;
  /** Italian text; {name} placeholders are filled per occurrence. */
  readonly testo: string;
}

/** One error as it goes into ricevutaNonOk/errore. */
export interface Diagnostic {
  readonly tipoErrore: string;
  readonly sezioneErrata: string;
  readonly descrizione: string;
}

/** The contract allows at most ten errore elements in ricevutaNonOk. */
export const MAX_ERRORS = 10;

const VARIABLE = '(percorso del campo segnalato)';

export const DIAGNOSTICS = {
  // 1xxx: the request does not conform to the XSD.
  SCHEMA_ELEMENTO_MANCANTE: { code: '1001', sezione: VARIABLE, testo: "Manca l'elemento obbligatorio {campo}." },
  SCHEMA_ELEMENTO_NON_PREVISTO: { code: '1002', sezione: VARIABLE, testo: "L'elemento {campo} non è previsto in questa posizione{atteso}." },
  SCHEMA_FORMATO: { code: '1003', sezione: VARIABLE, testo: "Il valore '{valore}' del campo {campo} non rispetta il formato previsto." },
  SCHEMA_LUNGHEZZA_MASSIMA: { code: '1004', sezione: VARIABLE, testo: 'La lunghezza del campo {campo} è {lunghezza}: il massimo è {limite} caratteri.' },
  SCHEMA_LUNGHEZZA_MINIMA: { code: '1005', sezione: VARIABLE, testo: 'La lunghezza del campo {campo} è {lunghezza}: il minimo è {limite} caratteri.' },
  SCHEMA_TESTO_NON_AMMESSO: { code: '1006', sezione: VARIABLE, testo: "L'elemento {campo} deve contenere solo altri elementi, non testo." },
  SCHEMA_ATTRIBUTO_NON_AMMESSO: { code: '1007', sezione: VARIABLE, testo: "L'elemento {campo} non ammette attributi ({attributo})." },
  SCHEMA_NAMESPACE_NON_AMMESSO: { code: '1008', sezione: VARIABLE, testo: "L'elemento {campo} va scritto senza namespace: solo l'elemento radice della richiesta appartiene a {namespace}." },
  SCHEMA_NON_CONFORME: { code: '1099', sezione: VARIABLE, testo: 'Il campo {campo} non è conforme allo schema del servizio.' },

  // 2xxx: who is asking, and whether they may.
  PINCODE_MANCANTE: { code: '2001', sezione: 'medico/pincode', testo: "Per un utente medico il pincode cifrato è obbligatorio." },
  CF_MEDICO_NON_AMMESSO: { code: '2002', sezione: 'medico/codiceFiscale', testo: "Per un utente medico il codice fiscale non va indicato: il medico è identificato dalle credenziali." },
  PINCODE_ERRATO: { code: '2003', sezione: 'medico/pincode', testo: 'Pincode errato.' },
  PINCODE_NON_CIFRATO: { code: '2004', sezione: 'medico/pincode', testo: 'Il pincode non è cifrato con il certificato del servizio (RSA PKCS#1 v1.5, Base64 di {byte} byte).' },
  CF_MEDICO_MANCANTE: { code: '2005', sezione: 'medico/codiceFiscale', testo: "Per un utente regione è obbligatorio il codice fiscale del medico per cui si invia." },
  PINCODE_NON_AMMESSO: { code: '2006', sezione: '{sezione}/pincode', testo: 'Per un utente {tipo} il pincode non va indicato.' },
  MEDICO_NON_ABILITATO: { code: '2007', sezione: 'medico/codiceFiscale', testo: 'Il codice fiscale indicato non corrisponde a un medico abilitato al servizio.' },
  MEDICO_ALTRA_REGIONE: { code: '2008', sezione: 'medico/codiceFiscale', testo: "Il medico indicato non appartiene alla regione {regione} dell'utente." },
  UTENTE_NON_ABILITATO: { code: '2009', sezione: '{sezione}', testo: "Un utente di tipo {tipo} non è abilitato al servizio {servizio}." },
  STRUTTURA_MANCANTE: { code: '2010', sezione: 'operatore', testo: "Per la comunicazione di inizio ricovero vanno indicati l'elemento operatore con codiceRegione e codiceAsl." },
  STRUTTURA_NON_CORRISPONDE: { code: '2011', sezione: 'operatore/{campo}', testo: "Il {campo} indicato non corrisponde a quello dell'operatore ({atteso})." },
  OPERATORE_NON_ABILITATO: { code: '2012', sezione: 'operatore/codiceFiscale', testo: "Il codice fiscale indicato non corrisponde a un operatore abilitato al servizio." },
  CF_OPERATORE_MANCANTE: { code: '2013', sezione: 'operatore/codiceFiscale', testo: "Per un utente regione è obbligatorio il codice fiscale dell'operatore per cui si invia." },
  CF_OPERATORE_NON_AMMESSO: { code: '2014', sezione: 'operatore/codiceFiscale', testo: "Per un utente operatore il codice fiscale non va indicato: l'operatore è identificato dalle credenziali." },
  REGIONE_NON_REGISTRATA: { code: '2015', sezione: '{sezione}', testo: "All'utente regione non è associata alcuna regione: non può operare per conto di medici o operatori." },
  OPERATORE_SENZA_STRUTTURA: { code: '2016', sezione: 'operatore', testo: "All'operatore non sono associati regione, ASL e struttura: non può operare per una struttura sanitaria (ricoveri, interrogazione del lavoratore)." },
  MEDICO_SENZA_STRUTTURA: { code: '2017', sezione: 'medico', testo: "Il medico non risulta associato a una struttura ospedaliera (regione, ASL e struttura): non può inviare certificati di dimissione." },

  // 3xxx: the worker.
  CF_LAVORATORE_FORMATO: { code: '3001', sezione: 'lavoratore/codiceFiscale', testo: 'Il codice fiscale del lavoratore non è formalmente corretto.' },
  CF_LAVORATORE_CONTROLLO: { code: '3002', sezione: 'lavoratore/codiceFiscale', testo: 'Il carattere di controllo del codice fiscale del lavoratore non è corretto.' },
  CF_LAVORATORE_NON_TROVATO: { code: '3003', sezione: 'lavoratore/codiceFiscale', testo: 'Il codice fiscale del lavoratore non è presente nella banca dati degli assistiti.' },
  CF_LAVORATORE_NON_DECIFRABILE: { code: '3004', sezione: 'lavoratore/codiceFiscale', testo: 'Il codice fiscale cifrato del lavoratore non si decifra con la chiave del servizio.' },

  // 4xxx: dates (days are counted in Europe/Rome).
  DATA_INESISTENTE: { code: '4001', sezione: VARIABLE, testo: "La data '{valore}' del campo {campo} non esiste nel calendario." },
  DATA_INIZIO_DOPO_FINE: { code: '4002', sezione: 'malattia/dataInizio', testo: 'La data di inizio ({inizio}) è successiva alla data di fine prognosi ({fine}).' },
  DATA_FINE_PRIMA_RILASCIO: { code: '4003', sezione: 'malattia/dataFine', testo: 'La data di fine prognosi ({fine}) è anteriore alla data di rilascio ({rilascio}).' },
  DATA_INIZIO_DOPO_RILASCIO: { code: '4004', sezione: 'malattia/dataInizio', testo: 'La data di inizio ({inizio}) è successiva alla data di rilascio ({rilascio}).' },
  DATA_RILASCIO_FUTURA: { code: '4005', sezione: 'malattia/dataRilascio', testo: 'La data di rilascio ({rilascio}) è successiva alla data odierna ({oggi}).' },
  DATA_RILASCIO_SCADUTA: { code: '4006', sezione: 'malattia/dataRilascio', testo: 'La data di rilascio ({rilascio}) è anteriore al giorno precedente la data odierna ({oggi}).' },
  DATA_RILASCIO_IERI_NON_DOMICILIARE: { code: '4007', sezione: 'malattia/dataRilascio', testo: 'Una data di rilascio del giorno precedente ({rilascio}) è ammessa solo per visita domiciliare (visita D).' },
  DATA_RICOVERO_FUTURA: { code: '4008', sezione: 'ricovero/dataRicovero', testo: 'La data di ricovero ({ricovero}) è successiva alla data odierna ({oggi}).' },
  DATA_DIMISSIONE_PRIMA_RICOVERO: { code: '4009', sezione: 'dimissione/dataDimissione', testo: 'La data di dimissione ({dimissione}) è anteriore alla data di ricovero ({ricovero}).' },
  DATA_FINE_PRIMA_DIMISSIONE: { code: '4010', sezione: 'dimissione/dataFine', testo: 'La data di fine prognosi ({fine}) è anteriore alla data di dimissione ({dimissione}).' },
  DATA_DIMISSIONE_FUTURA: { code: '4011', sezione: 'dimissione/dataDimissione', testo: 'La data di dimissione ({dimissione}) è successiva alla data odierna ({oggi}).' },
  PERIODO_INTERVALLO: { code: '4013', sezione: '{sezione}', testo: 'La data di fine periodo ({al}) è anteriore alla data di inizio ({dal}).' },
  PERIODO_TROPPO_LUNGO: { code: '4014', sezione: '{sezione}', testo: 'Il periodo richiesto copre {giorni} giorni: il massimo è {massimo} giorni. Suddividere la richiesta in periodi più brevi.' },
  RICERCA_INTERVALLO: { code: '4012', sezione: 'dataFineRicerca', testo: 'La data di fine ricerca ({fine}) è anteriore alla data di inizio ricerca ({inizio}).' },

  // 5xxx: the diagnosis (never echoed back in a text).
  DIAGNOSI_MANCANTE: { code: '5001', sezione: 'malattia/diagnosi', testo: 'Indicare almeno uno tra codiceDiagnosi e noteDiagnosi.' },
  CODICE_DIAGNOSI_SCONOSCIUTO: { code: '5002', sezione: 'malattia/diagnosi/codiceDiagnosi', testo: 'Il codice diagnosi non è un codice ICD-9-CM valido.' },

  // 6xxx: addresses (residenza, reperibilita/indirizzo).
  COMUNE_MANCANTE: { code: '6001', sezione: '{indirizzo}', testo: 'Indicare il codice catastale oppure comune e provincia.' },
  CODICE_CATASTALE_SCONOSCIUTO: { code: '6002', sezione: '{indirizzo}/codiceCatastale', testo: "Il codice catastale '{valore}' non corrisponde a un comune italiano." },
  COMUNE_INCOERENTE: { code: '6003', sezione: '{indirizzo}/comune', testo: "Comune e provincia non corrispondono al codice catastale '{valore}' ({nome} {provincia})." },
  COMUNE_SCONOSCIUTO: { code: '6004', sezione: '{indirizzo}/comune', testo: "Il comune '{valore}' non risulta nella provincia indicata." },
  CIVICO_SENZA_NUMERO: { code: '6005', sezione: '{indirizzo}/civico', testo: "Il civico non contiene un numero: in assenza di numero civico indicare SNC." },

  // 7xxx: certificates already sent.
  CERTIFICATO_NON_TROVATO: { code: '7001', sezione: 'idCertificato', testo: 'Nessun certificato con questo identificativo risulta emesso dal medico per il lavoratore indicato.' },
  CERTIFICATO_ANNULLATO: { code: '7002', sezione: 'idCertificato', testo: 'Il certificato risulta annullato.' },
  CERTIFICATO_RETTIFICATO: { code: '7003', sezione: 'idCertificato', testo: 'Il certificato è già stato rettificato: operare sul certificato di rettifica.' },
  RETTIFICA_FUORI_PROGNOSI: { code: '7004', sezione: 'idCertificato', testo: 'La prognosi è terminata il {fine}: la rettifica è ammessa solo entro la data di fine prognosi.' },
  RETTIFICA_NON_ANTICIPA: { code: '7005', sezione: 'dataFine', testo: 'La nuova data di fine prognosi ({nuova}) deve essere anteriore a quella del certificato ({fine}).' },
  RETTIFICA_PRIMA_INIZIO: { code: '7006', sezione: 'dataFine', testo: 'La nuova data di fine prognosi ({nuova}) è anteriore alla data di inizio ({inizio}).' },
  ANNULLAMENTO_SCADUTO: { code: '7007', sezione: 'idCertificato', testo: "L'annullamento era ammesso fino al {limite}, giorno successivo alla data di rilascio." },
  RICOVERO_NON_TROVATO: { code: '7008', sezione: '{sezione}', testo: 'Nessuna comunicazione di inizio ricovero con questo identificativo risulta per il lavoratore e la struttura indicati.' },
  RICOVERO_ANNULLATO: { code: '7009', sezione: '{sezione}', testo: 'La comunicazione di inizio ricovero risulta annullata.' },
  RICOVERO_CON_DIMISSIONE: { code: '7010', sezione: 'idCertificato', testo: 'Un certificato di dimissione si riferisce a questa comunicazione di inizio ricovero: non può essere annullata.' },
  DIMISSIONE_GIA_INVIATA: { code: '7011', sezione: 'idInizioRicovero', testo: 'Per questo ricovero è già stato inviato un certificato di dimissione.' },
  DIMISSIONE_DIVERSA_DAL_RICOVERO: { code: '7012', sezione: '{sezione}', testo: 'Il campo {sezione} deve coincidere con la comunicazione di inizio ricovero.' },
  DIMISSIONE_FLAG_RICOVERO: { code: '7013', sezione: 'dimissione/{campo}', testo: 'Nella comunicazione di inizio ricovero {campo} vale true: deve valere true anche nel certificato di dimissione.' },

  // 7020-7029: the INPS side's documents (src/inps/): attestati, notices, printed copies.
  // 7026-7028: query parameters of the INPS side's HTTP routes (src/http/inpsQuery.ts).
  PARAMETRO_NON_PREVISTO: { code: '7026', sezione: '{parametro}', testo: "Il parametro {parametro} non è previsto (o è ripetuto): sono ammessi solo {ammessi}, una volta ciascuno." },
  PARAMETRO_MANCANTE: { code: '7027', sezione: '{parametro}', testo: 'Manca il parametro obbligatorio {parametro} ({formato}).' },
  PARAMETRO_NON_VALIDO: { code: '7028', sezione: '{parametro}', testo: "Il valore del parametro {parametro} non rispetta il formato previsto ({formato})." },
  DOCUMENTO_NON_TROVATO: {
    code: '7020',
    sezione: '{sezione}',
    testo: "Nessun documento con questo identificativo risulta consultabile con le credenziali o con il codice fiscale indicati. Controllare il numero di protocollo (PUC o PUCIR) e il codice fiscale del lavoratore.",
  },
  ALLEGATO_NON_SPETTANTE: {
    code: '7021',
    sezione: '{sezione}',
    testo: "La copia stampabile {allegato} di questo documento non è consultabile da questo utente: sono disponibili {ammessi}.",
  },
  TROPPI_DOCUMENTI: {
    code: '7022',
    sezione: '{sezione}',
    testo: 'La richiesta supera il numero massimo di documenti consultabili in una sola volta ({massimo}): suddividere il periodo richiesto.',
  },

  // 8001: hours of service by kind of user (src/sac/timeBands.ts).
  FUORI_FASCIA_ORARIA: {
    code: '8001',
    sezione: '{operazione}',
    testo: "Per gli utenti di tipo {tipo} il servizio è disponibile nella fascia oraria {fascia} (ora italiana): la richiesta non è stata registrata. Riprovare all'interno della fascia.",
  },
  // 8002-8009: maintenance windows and the paper fallback (src/sac/maintenance.ts). Times are Rome's.
  SERVIZIO_IN_MANUTENZIONE: { code: '8002', sezione: 'servizio', testo: 'Servizio sospeso per manutenzione programmata fino a {fine} (ora italiana): la richiesta non è stata registrata. Durante la sospensione il medico rilascia il certificato in forma cartacea e, terminata la sospensione, lo trasmette telematicamente entro {termine}, indicando come data di rilascio quella del certificato cartaceo.' },
  DATA_RILASCIO_CARTACEO_SCADUTA: { code: '8005', sezione: 'malattia/dataRilascio', testo: 'La data di rilascio ({rilascio}) cade nella sospensione del servizio da {inizio} a {fine} (ora italiana): la trasmissione dei certificati cartacei di quel periodo era ammessa entro {termine}.' },
  // 8011: look-ups of protocol numbers that find nothing, too many for one user (src/sac/lookupThrottle.ts).
  TROPPE_RICERCHE_FALLITE: {
    code: '8011',
    sezione: '{operazione}',
    testo: 'Troppe richieste recenti di questo utente indicavano un identificativo (PUC o PUCIR) inesistente o non proprio: la richiesta non è stata eseguita. Riprovare dopo le {ora} (ora italiana), controllando il numero di protocollo.',
  },
  // 8012: the same, counted per client address (the AttestatiMalattia service's look-ups by CF and protocol number, src/attestati/lookupThrottle.ts).
  TROPPE_RICERCHE_FALLITE_INDIRIZZO: {
    code: '8012',
    sezione: '{operazione}',
    testo: "Troppe richieste recenti da questo indirizzo di rete indicavano un identificativo (PUC o PUCIR) inesistente o non consultabile: la richiesta non è stata eseguita. Riprovare dopo le {ora} (ora italiana), controllando il numero di protocollo e il codice fiscale.",
  },
  // 8010: resubmissions (src/sac/idempotency.ts).
  MESSAGE_ID_RIUSATO: {
    code: '8010',
    sezione: 'wsa:MessageID',
    testo: "Il wsa:MessageID è già stato usato per una richiesta diversa, che resta valida: per un nuovo invio usare un nuovo MessageID; per ripetere un invio, ripetere la stessa richiesta.",
  },
} as const satisfies Record<string, DiagnosticSpec>;

export type DiagnosticKey = keyof typeof DIAGNOSTICS;

/** Fill a catalog entry for one occurrence. */
export function diagnostic(
  key: DiagnosticKey,
  params: Readonly<Record<string, string | number>> = {},
  sezioneErrata?: string,
): Diagnostic {
  const spec: DiagnosticSpec = DIAGNOSTICS[key];
  const fill = (template: string): string =>
    template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  return {
    tipoErrore: spec.code,
    sezioneErrata: sezioneErrata ?? fill(spec.sezione),
    descrizione: fill(spec.testo),
  };
}

/** A system notice: the contract's ricevutaInfo/info (codice, the Italian text), carried by every response while it applies. */
export interface NoticeSpec {
  /** info/codice on the wire (contract type string). */
  readonly code: string;
  /** info/info: Italian text; {name} placeholders are filled per notice. */
  readonly testo: string;
}

export const NOTICES = {
  MANUTENZIONE_PROGRAMMATA: { code: '8003', testo: 'Manutenzione programmata: il servizio sarà sospeso da {inizio} a {fine} (ora italiana). Durante la sospensione il medico rilascia il certificato in forma cartacea e, terminata la sospensione, lo trasmette telematicamente entro {termine}, indicando come data di rilascio quella del certificato cartaceo.' },
  CARTACEI_DA_TRASMETTERE: { code: '8004', testo: 'Il servizio è stato sospeso per manutenzione da {inizio} a {fine} (ora italiana): i certificati rilasciati in forma cartacea in quel periodo vanno trasmessi telematicamente entro {termine}, indicando come data di rilascio quella del certificato cartaceo.' },
} as const satisfies Record<string, NoticeSpec>;

export type NoticeKey = keyof typeof NOTICES;

/** The text of a notice, filled. */
export function noticeText(key: NoticeKey, params: Readonly<Record<string, string | number>>): string {
  const spec: NoticeSpec = NOTICES[key];
  return spec.testo.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export interface FaultSpec {
  /** Local part of the faultcode QName in the SOAP 1.1 envelope namespace. */
  readonly faultcode: 'Client' | 'Server' | 'VersionMismatch' | 'MustUnderstand';
  readonly faultstring: string;
  /**
   * HTTP status sent with it. SOAP 1.1 says 500 for every fault; the HTTP edge's
   * own refusals (too slow, throttled, busy, shutting down) carry the HTTP status
   * that tells a client or a balancer when to retry (408, 429, 503).
   */
  readonly httpStatus: 500 | 408 | 429 | 503;
}

/** Envelope-level failures: the request never reached an operation. */
export const FAULTS = {
  BODY_TOO_LARGE: { faultcode: 'Client', faultstring: 'Richiesta troppo grande: il limite è di {limite} byte.', httpStatus: 500 },
  BODY_EMPTY: { faultcode: 'Client', faultstring: 'Richiesta vuota: atteso un messaggio SOAP 1.1.', httpStatus: 500 },
  CONTENT_TYPE: { faultcode: 'Client', faultstring: "Content-Type '{valore}' non supportato: usare text/xml (SOAP 1.1).", httpStatus: 500 },
  CHARSET_UNSUPPORTED: { faultcode: 'Client', faultstring: "Codifica '{valore}' non supportata: usare UTF-8 o ISO-8859-1.", httpStatus: 500 },
  CHARSET_CONFLICT: { faultcode: 'Client', faultstring: "La codifica dichiarata nel Content-Type ({header}) è diversa da quella della dichiarazione XML ({xml}).", httpStatus: 500 },
  CHARSET_INVALID_BYTES: { faultcode: 'Client', faultstring: 'Il messaggio contiene byte non validi per la codifica {charset} (posizione {posizione}).', httpStatus: 500 },
  CHARSET_C1_CONTROL: { faultcode: 'Client', faultstring: 'Il messaggio ISO-8859-1 contiene il carattere di controllo 0x{byte} (posizione {posizione}): probabilmente è codificato in windows-1252, che il servizio non accetta.', httpStatus: 500 },
  NOT_XML: { faultcode: 'Client', faultstring: 'Il messaggio non è XML ben formato (riga {riga}, colonna {colonna}).', httpStatus: 500 },
  DTD_FORBIDDEN: { faultcode: 'Client', faultstring: 'Dichiarazioni DOCTYPE ed entità non sono ammesse.', httpStatus: 500 },
  XML_LIMIT: { faultcode: 'Client', faultstring: 'Il messaggio supera un limite del servizio: al massimo {massimo} {limite} (superato in {percorso}).', httpStatus: 500 },
  NOT_SOAP: { faultcode: 'Client', faultstring: "L'elemento radice non è un Envelope SOAP 1.1.", httpStatus: 500 },
  SOAP_VERSION: { faultcode: 'VersionMismatch', faultstring: 'Il servizio accetta solo SOAP 1.1 (namespace http://schemas.xmlsoap.org/soap/envelope/).', httpStatus: 500 },
  ENVELOPE_STRUCTURE: { faultcode: 'Client', faultstring: 'Envelope SOAP non valido: {dettaglio}.', httpStatus: 500 },
  MUST_UNDERSTAND: { faultcode: 'MustUnderstand', faultstring: "L'intestazione {header} è marcata mustUnderstand ma il servizio non la gestisce.", httpStatus: 500 },
  UNKNOWN_OPERATION: { faultcode: 'Client', faultstring: "Operazione sconosciuta: l'elemento {elemento} non corrisponde a nessuna operazione di {servizio}.", httpStatus: 500 },
  SOAPACTION_MISMATCH: { faultcode: 'Client', faultstring: "La SOAPAction '{action}' non corrisponde al contenuto del messaggio ({operazione}).", httpStatus: 500 },
  NOT_IMPLEMENTED: { faultcode: 'Server', faultstring: "L'operazione {operazione} non è ancora disponibile in questa versione del servizio.", httpStatus: 500 },
  INTERNAL: { faultcode: 'Server', faultstring: 'Errore interno del servizio: la richiesta non è stata registrata. Riprovare.', httpStatus: 500 },
  PUC_EXHAUSTED: { faultcode: 'Server', faultstring: 'Nessun numero di protocollo libero dopo {tentativi} tentativi: la richiesta non è stata registrata. Segnalare il problema al gestore del servizio.', httpStatus: 500 },
  UNAVAILABLE: { faultcode: 'Server', faultstring: 'Servizio temporaneamente non disponibile: la richiesta non è stata registrata. Riprovare.', httpStatus: 503 },
  // The HTTP edge (issue 9): refusals that tell the client when to retry.
  BODY_TOO_SLOW: { faultcode: 'Client', faultstring: 'Richiesta troppo lenta: il messaggio deve arrivare ad almeno {minimo} byte al secondo.', httpStatus: 408 },
  LOGIN_THROTTLED: { faultcode: 'Client', faultstring: 'Troppi tentativi di accesso non riusciti: riprovare tra {secondi} secondi.', httpStatus: 429 },
  AUTH_BUSY: { faultcode: 'Server', faultstring: 'Servizio momentaneamente sovraccarico: la richiesta non è stata registrata. Riprovare tra {secondi} secondi.', httpStatus: 503 },
  SHUTTING_DOWN: { faultcode: 'Server', faultstring: 'Servizio in arresto: la richiesta non è stata registrata. Riprovare tra {secondi} secondi.', httpStatus: 503 },
  // Admission control (issue 10): refused before any work, never queued for long.
  OVERLOADED: { faultcode: 'Server', faultstring: 'Servizio temporaneamente non disponibile per sovraccarico: la richiesta non è stata registrata. Riprovare tra {secondi} secondi.', httpStatus: 503 },
  RATE_LIMITED: { faultcode: 'Server', faultstring: "Servizio temporaneamente non disponibile: troppe richieste dall'utente in poco tempo. La richiesta non è stata registrata. Riprovare tra {secondi} secondi.", httpStatus: 503 },
} as const satisfies Record<string, FaultSpec>;

export type FaultKey = keyof typeof FAULTS;

/** A fault raised anywhere in the pipeline; the HTTP layer renders it. Its code is SAC_FAULT_<key>. */
export class SoapFault extends GatewayError {
  readonly name = 'SoapFault';
  readonly code: `SAC_FAULT_${FaultKey}`;
  readonly key: FaultKey;
  readonly faultcode: FaultSpec['faultcode'];
  readonly httpStatus: number;
  /** Seconds for Retry-After, when the fault itself says when to retry (e.g. one a sandbox injects). */
  readonly retryAfterS: number | undefined;
  constructor(key: FaultKey, params: Readonly<Record<string, string | number>> = {}, retryAfterS?: number) {
    const spec: FaultSpec = FAULTS[key];
    super(spec.faultstring.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)));
    this.code = `SAC_FAULT_${key}`;
    this.key = key;
    this.faultcode = spec.faultcode;
    this.httpStatus = spec.httpStatus;
    this.retryAfterS = retryAfterS;
  }
}

/**
 * What the SoapUI project tests, operation by operation: one test case per
 * operation of the contract, each with the steps it needs (a creating
 * request first when the operation works on an existing certificate or
 * admission), a valid request, an invalid one answered with a ricevutaNonOk
 * whose tipoErrore comes from the diagnostics catalog, and a request that
 * must be answered with a SOAP fault from the fault catalog. The product's
 * own test plan: written by hand.
 *
 * Values are SoapUI property expansions, so the file holds no date and no
 * secret: ${#Project#name} for the project properties, ${=...} (Groovy in
 * SoapUI, a fixed set of forms in the replayer) for today's date in
 * Europe/Rome and a per-send token, ${Step#Response#XPath} for an identifier
 * answered by an earlier step.
 */
import { DIAGNOSTICS, FAULTS, type DiagnosticKey, type FaultKey } from '../catalog/diagnostics.js';
import { CERT_NS, OPERATIONS, type OperationName, type OperationSpec } from '../contract/operations.js';

/** Whose credentials a step sends (project properties of that name). */
export type Sender = 'medico' | 'operatore';

export type Expectation =
  | { readonly kind: 'ok' }
  | { readonly kind: 'nonOk'; readonly diagnostic: DiagnosticKey; readonly sezione: string }
  | { readonly kind: 'fault'; readonly fault: FaultKey };

export interface StepSpec {
  readonly name: string;
  /** The interface operation: its SOAPAction is sent. */
  readonly operation: OperationName;
  /** The payload root element sent (another operation's, for a SOAPAction mismatch). */
  readonly requestElement: string;
  readonly sender: Sender;
  /** Children of the payload root, with property expansions. */
  readonly body: string;
  readonly expect: Expectation;
}

export interface TestCaseSpec {
  readonly name: OperationName;
  readonly steps: readonly StepSpec[];
}

/** Today in Europe/Rome, `days` later: SoapUI runs it as Groovy. */
export function day(days = 0): string {
  const base = "java.time.LocalDate.now(java.time.ZoneId.of('Europe/Rome'))";
  return `\${=${days === 0 ? base : days > 0 ? `${base}.plusDays(${days})` : `${base}.minusDays(${-days})`}}`;
}

/**
 * A fresh 8-character token per send: a creating request differs from the
 * previous run's, so the gateway's resubmission detection (24 h by default)
 * does not answer it with the earlier receipt.
 */
export const TOKEN = '${=java.util.UUID.randomUUID().toString().substring(0,8)}';

export const PROJECT_PROPERTY = {
  endpoint: 'endpoint',
  username: 'username',
  password: 'password',
  pincodeCifrato: 'pincodeCifrato',
  usernameOperatore: 'usernameOperatore',
  passwordOperatore: 'passwordOperatore',
  lavoratore: 'lavoratore',
} as const;

const p = (name: keyof typeof PROJECT_PROPERTY) => `\${#Project#${PROJECT_PROPERTY[name]}}`;

/** The answer element holding an identifier, read by a later step. */
function answered(step: string, responseElement: string, path: string): string {
  return `\${${step}#Response#declare namespace cert='${CERT_NS}'; //cert:${responseElement}/${path}}`;
}

/** A value sent by an earlier step. */
function sent(step: string, requestElement: string, path: string): string {
  return `\${${step}#Request#declare namespace cert='${CERT_NS}'; //cert:${requestElement}/${path}}`;
}

const MEDICO = `<medico><pincode>${p('pincodeCifrato')}</pincode></medico>`;
const MEDICO_STRUTTURA = `<medico><pincode>${p('pincodeCifrato')}</pincode><codiceRegione>120</codiceRegione><codiceAsl>201</codiceAsl></medico>`;
const OPERATORE = '<operatore><codiceRegione>120</codiceRegione><codiceAsl>201</codiceAsl></operatore>';
const LAVORATORE = `<lavoratore><codiceFiscale>${p('lavoratore')}</codiceFiscale></lavoratore>`;
/** A codice fiscale of the right shape whose check character is wrong (the demo worker's is U). */
const LAVORATORE_CONTROLLO_ERRATO = '<lavoratore><codiceFiscale>RSSMRA80A01H501X</codiceFiscale></lavoratore>';

function residenza(via = 'Via Nazionale'): string {
  return `<residenza><via>${via}</via><civico>10</civico><cap>00184</cap><codiceCatastale>H501</codiceCatastale><comune>Roma</comune><provincia>RM</provincia></residenza>`;
}

function malattia(o: { rilascio?: number; fine?: number } = {}): string {
  return (
    `<malattia><ruoloMedico>S</ruoloMedico><dataRilascio>${day(o.rilascio ?? 0)}</dataRilascio><dataInizio>${day()}</dataInizio>` +
    `<dataFine>${day(o.fine ?? 3)}</dataFine><visita>A</visita><tipoCertificato>I</tipoCertificato>` +
    `<diagnosi><codiceDiagnosi>487.1</codiceDiagnosi><noteDiagnosi>Sindrome influenzale, prova SoapUI ${TOKEN}</noteDiagnosi></diagnosi></malattia>`
  );
}

const INVIO_MALATTIA = `${MEDICO}${LAVORATORE}${residenza()}${malattia()}`;
/** An admission: unique per send through the street, the one free text of InviaRicovero. */
const INVIO_RICOVERO = (days = 0) => `${OPERATORE}${LAVORATORE}${residenza(`Via Nazionale ${TOKEN}`)}<ricovero><dataRicovero>${day(days)}</dataRicovero></ricovero>`;

/** A discharge for the admission of PREPARA_RICOVERO: the same residence, as the contract requires. */
function dimissione(idInizioRicovero: string, fine: number): string {
  return (
    `${MEDICO_STRUTTURA}${LAVORATORE}<idInizioRicovero>${idInizioRicovero}</idInizioRicovero>${residenza(sent(PREPARA_RICOVERO, 'invioRicoveroRequest', 'residenza/via'))}` +
    `<dimissione><ruoloMedico>S</ruoloMedico><dataRicovero>${day()}</dataRicovero><dataDimissione>${day()}</dataDimissione>` +
    `<dataFine>${day(fine)}</dataFine><tipoCertificato>I</tipoCertificato><tipoRicovero>R</tipoRicovero>` +
    `<diagnosi><codiceDiagnosi>486</codiceDiagnosi><noteDiagnosi>Polmonite, prova SoapUI ${TOKEN}</noteDiagnosi></diagnosi></dimissione>`
  );
}

export function operation(name: OperationName): OperationSpec {
  return OPERATIONS.find((op) => op.name === name)!;
}

function step(name: string, op: OperationName, sender: Sender, body: string, expect: Expectation, requestElement = operation(op).requestElement): StepSpec {
  return { name, operation: op, requestElement, sender, body, expect };
}

const OK: Expectation = { kind: 'ok' };

function nonOk(diagnostic: DiagnosticKey, sezione?: string): Expectation {
  const fixed: string = DIAGNOSTICS[diagnostic].sezione;
  if (sezione === undefined && /[{(]/.test(fixed)) throw new Error(`${diagnostic}: its sezioneErrata depends on the request, give it`);
  return { kind: 'nonOk', diagnostic, sezione: sezione ?? fixed };
}

/** The operation's SOAPAction with another operation's payload: answered with a fault, never executed. */
function mismatch(op: OperationName, sender: Sender, other: OperationName, body: string): StepSpec {
  return step(`${op}: busta di ${other} (fault)`, op, sender, body, { kind: 'fault', fault: 'SOAPACTION_MISMATCH' }, operation(other).requestElement);
}

const PREPARA_MALATTIA = 'Prepara: InviaMalattia';
const PREPARA_RICOVERO = 'Prepara: InviaRicovero';
const PREPARA_DIMISSIONE = 'Prepara: InviaDimissione';
const PUC = answered(PREPARA_MALATTIA, 'invioMalattiaResponse', 'ricevutaOkInvioMalattia/idCertificato');
const PUCIR = answered(PREPARA_RICOVERO, 'invioRicoveroResponse', 'ricevutaOkInvioRicovero/idInizioRicovero');
const PUC_DIMISSIONE = answered(PREPARA_DIMISSIONE, 'invioDimissioneResponse', 'ricevutaOkInvioDimissione/idCertificato');

const prepareMalattia = step(PREPARA_MALATTIA, 'InviaMalattia', 'medico', INVIO_MALATTIA, OK);
const prepareRicovero = step(PREPARA_RICOVERO, 'InviaRicovero', 'operatore', INVIO_RICOVERO(), OK);
const prepareDimissione = step(PREPARA_DIMISSIONE, 'InviaDimissione', 'medico', dimissione(PUCIR, 3), OK);

/** The test cases, in the contract's order of operations (operations.ts). */
export const TEST_CASES: readonly TestCaseSpec[] = [
  {
    name: 'InviaMalattia',
    steps: [
      step('InviaMalattia: valida', 'InviaMalattia', 'medico', INVIO_MALATTIA, OK),
      step('InviaMalattia: rilascio domani', 'InviaMalattia', 'medico', `${MEDICO}${LAVORATORE}${residenza()}${malattia({ rilascio: 1 })}`, nonOk('DATA_RILASCIO_FUTURA')),
      mismatch('InviaMalattia', 'medico', 'InterrogazioneLavoratore', `${MEDICO}${LAVORATORE}`),
    ],
  },
  {
    name: 'RettificaMalattia',
    steps: [
      prepareMalattia,
      step('RettificaMalattia: fine posticipata', 'RettificaMalattia', 'medico', `${MEDICO}${LAVORATORE}<idCertificato>${PUC}</idCertificato><dataFine>${day(5)}</dataFine>`, nonOk('RETTIFICA_NON_ANTICIPA')),
      step('RettificaMalattia: valida', 'RettificaMalattia', 'medico', `${MEDICO}${LAVORATORE}<idCertificato>${PUC}</idCertificato><dataFine>${day(1)}</dataFine>`, OK),
      mismatch('RettificaMalattia', 'medico', 'RistampaMalattia', `${MEDICO}${LAVORATORE}<idCertificato>${PUC}</idCertificato>`),
    ],
  },
  {
    name: 'AnnullaMalattia',
    steps: [
      prepareMalattia,
      step('AnnullaMalattia: valida', 'AnnullaMalattia', 'medico', `${MEDICO}${LAVORATORE}<idCertificato>${PUC}</idCertificato>`, OK),
      step('AnnullaMalattia: già annullato', 'AnnullaMalattia', 'medico', `${MEDICO}${LAVORATORE}<idCertificato>${PUC}</idCertificato>`, nonOk('CERTIFICATO_ANNULLATO')),
      mismatch('AnnullaMalattia', 'medico', 'RistampaMalattia', `${MEDICO}${LAVORATORE}<idCertificato>${PUC}</idCertificato>`),
    ],
  },
  {
    name: 'RicercaMalattia',
    steps: [
      step('RicercaMalattia: valida', 'RicercaMalattia', 'medico', `${MEDICO}${LAVORATORE}<dataInizioRicerca>${day(-30)}</dataInizioRicerca><dataFineRicerca>${day()}</dataFineRicerca>`, OK),
      step('RicercaMalattia: intervallo rovesciato', 'RicercaMalattia', 'medico', `${MEDICO}${LAVORATORE}<dataInizioRicerca>${day()}</dataInizioRicerca><dataFineRicerca>${day(-30)}</dataFineRicerca>`, nonOk('RICERCA_INTERVALLO')),
      mismatch('RicercaMalattia', 'medico', 'InterrogazioneLavoratore', `${MEDICO}${LAVORATORE}`),
    ],
  },
  {
    name: 'RistampaMalattia',
    steps: [
      prepareMalattia,
      step('RistampaMalattia: valida', 'RistampaMalattia', 'medico', `${MEDICO}${LAVORATORE}<idCertificato>${PUC}</idCertificato>`, OK),
      step('RistampaMalattia: certificato inesistente', 'RistampaMalattia', 'medico', `${MEDICO}${LAVORATORE}<idCertificato>0</idCertificato>`, nonOk('CERTIFICATO_NON_TROVATO')),
      mismatch('RistampaMalattia', 'medico', 'AnnullaMalattia', `${MEDICO}${LAVORATORE}<idCertificato>${PUC}</idCertificato>`),
    ],
  },
  {
    name: 'InviaRicovero',
    steps: [
      step('InviaRicovero: valida', 'InviaRicovero', 'operatore', INVIO_RICOVERO(), OK),
      step('InviaRicovero: ricovero domani', 'InviaRicovero', 'operatore', INVIO_RICOVERO(1), nonOk('DATA_RICOVERO_FUTURA')),
      mismatch('InviaRicovero', 'operatore', 'InterrogazioneLavoratore', `${OPERATORE}${LAVORATORE}`),
    ],
  },
  {
    name: 'AnnullaRicovero',
    steps: [
      prepareRicovero,
      step('AnnullaRicovero: valida', 'AnnullaRicovero', 'operatore', `${OPERATORE}${LAVORATORE}<idCertificato>${PUCIR}</idCertificato>`, OK),
      step('AnnullaRicovero: già annullato', 'AnnullaRicovero', 'operatore', `${OPERATORE}${LAVORATORE}<idCertificato>${PUCIR}</idCertificato>`, nonOk('RICOVERO_ANNULLATO', 'idCertificato')),
      mismatch('AnnullaRicovero', 'operatore', 'InterrogazioneLavoratore', `${OPERATORE}${LAVORATORE}`),
    ],
  },
  {
    name: 'InviaDimissione',
    steps: [
      prepareRicovero,
      step('InviaDimissione: fine prima della dimissione', 'InviaDimissione', 'medico', dimissione(PUCIR, -1), nonOk('DATA_FINE_PRIMA_DIMISSIONE')),
      step('InviaDimissione: valida', 'InviaDimissione', 'medico', dimissione(PUCIR, 3), OK),
      mismatch('InviaDimissione', 'medico', 'InterrogazioneLavoratore', `${MEDICO}${LAVORATORE}`),
    ],
  },
  {
    name: 'RettificaDimissione',
    steps: [
      prepareRicovero,
      prepareDimissione,
      step('RettificaDimissione: fine posticipata', 'RettificaDimissione', 'medico', `${MEDICO}${LAVORATORE}<idCertificato>${PUC_DIMISSIONE}</idCertificato><dataFine>${day(5)}</dataFine>`, nonOk('RETTIFICA_NON_ANTICIPA')),
      step('RettificaDimissione: valida', 'RettificaDimissione', 'medico', `${MEDICO}${LAVORATORE}<idCertificato>${PUC_DIMISSIONE}</idCertificato><dataFine>${day(1)}</dataFine>`, OK),
      mismatch('RettificaDimissione', 'medico', 'InterrogazioneLavoratore', `${MEDICO}${LAVORATORE}`),
    ],
  },
  {
    name: 'InterrogazioneLavoratore',
    steps: [
      step('InterrogazioneLavoratore: valida', 'InterrogazioneLavoratore', 'medico', `${MEDICO}${LAVORATORE}`, OK),
      step('InterrogazioneLavoratore: carattere di controllo errato', 'InterrogazioneLavoratore', 'medico', `${MEDICO}${LAVORATORE_CONTROLLO_ERRATO}`, nonOk('CF_LAVORATORE_CONTROLLO')),
      mismatch('InterrogazioneLavoratore', 'medico', 'RicercaMalattia', `${MEDICO}${LAVORATORE}`),
    ],
  },
];

/** The fixed beginning of a fault's text (up to its first placeholder), for a Contains regex. */
export function faultTextPrefix(key: FaultKey): string {
  return FAULTS[key].faultstring.split('{')[0]!;
}

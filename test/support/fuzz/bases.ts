/**
 * The valid requests the fuzzer starts from: each contract fixture
 * (fixtures/contract/*Request.xml) in a SOAP 1.1 envelope, with the demo
 * user's credentials, this gateway's encrypted pincode, dates around the
 * gateway's today and the identifiers of records that really exist.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { operationByRequestElement, soapActionOf, type OperationName } from '../../../src/contract/operations.js';
import { addDays } from '../../../src/domain/dates.js';
import { DEMO } from '../soapClient.js';
import { childElements, clone, el, localOf, readTree, text, type El } from './tree.js';

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const CERT_NS = 'http://cert.sanita.finanze.it/';
const FIXTURES_DIR = fileURLToPath(new URL('../../../../fixtures/contract/', import.meta.url));

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

export interface BaseRequest {
  /** Fixture stem plus the kind of caller, e.g. "invioMalattia/medico". */
  readonly name: string;
  readonly operation: OperationName;
  readonly soapAction: string;
  readonly credentials: Credentials;
  /** The whole envelope; mutations work on a clone. */
  readonly envelope: El;
}

/** Records the bases refer to, created on the gateway before the run (see prepareBases). */
export interface KnownIds {
  /** A sickness certificate of DEMO.medico for the fixtures' worker. */
  certificato?: string;
  /** An admission (PUCIR) of the demo operator's structure for the same worker. */
  ricovero?: string;
  /** A discharge certificate of that admission. */
  dimissione?: string;
}

export interface BaseOptions {
  /** DEMO.medico's pincode, encrypted with the target gateway's certificate. */
  readonly pin: string;
  /** The gateway's day (YYYY-MM-DD, Europe/Rome). */
  readonly today: string;
  readonly ids?: KnownIds;
}

const OPERATORE_OPS = new Set<OperationName>(['InviaRicovero', 'AnnullaRicovero']);
/** Operations a regione may also send for DEMO.medico (one more kind of caller in the corpus). */
const REGIONE_OPS = new Set<OperationName>(['InviaMalattia', 'RicercaMalattia', 'InterrogazioneLavoratore']);

function fixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('Request.xml')).sort();
}

function child(parent: El, local: string): El | undefined {
  return childElements(parent).find((c) => localOf(c.name) === local);
}

function setLeaf(parent: El, local: string, value: string): void {
  const found = child(parent, local);
  if (found) found.children = [text(value)];
}

function removeChild(parent: El, local: string): void {
  parent.children = parent.children.filter((c) => !(c.kind === 'el' && localOf(c.name) === local));
}

/** Dates relative to today so that the unmutated request is acceptable. */
function setDates(payload: El, operation: OperationName, today: string): void {
  const fine: Partial<Record<OperationName, number>> = { InviaMalattia: 4, InviaDimissione: 7, RettificaMalattia: 2, RettificaDimissione: 5 };
  const walk = (node: El): void => {
    for (const c of childElements(node)) {
      const local = localOf(c.name);
      if (['dataRilascio', 'dataInizio', 'dataRicovero', 'dataDimissione', 'dataFineRicerca'].includes(local)) c.children = [text(today)];
      else if (local === 'dataInizioRicerca') c.children = [text(addDays(today, -30))];
      else if (local === 'dataFine') c.children = [text(addDays(today, fine[operation] ?? 3))];
      walk(c);
    }
  };
  walk(payload);
}

function setIds(payload: El, operation: OperationName, ids: KnownIds): void {
  const certificato: Partial<Record<OperationName, string | undefined>> = {
    AnnullaMalattia: ids.certificato,
    RettificaMalattia: ids.certificato,
    RistampaMalattia: ids.certificato,
    AnnullaRicovero: ids.ricovero,
    RettificaDimissione: ids.dimissione,
  };
  const id = certificato[operation];
  if (id) setLeaf(payload, 'idCertificato', id);
  if (operation === 'InviaDimissione' && ids.ricovero) setLeaf(payload, 'idInizioRicovero', ids.ricovero);
}

function envelopeOf(payload: El): El {
  return el('soapenv:Envelope', [['xmlns:soapenv', SOAP11_NS]], [
    el('soapenv:Header'),
    el('soapenv:Body', [], [payload]),
  ]);
}

export function buildBases(options: BaseOptions): BaseRequest[] {
  const out: BaseRequest[] = [];
  for (const file of fixtureNames()) {
    const fixture = readTree(readFileSync(`${FIXTURES_DIR}${file}`, 'utf8'));
    const spec = operationByRequestElement(localOf(fixture.name));
    if (!spec) throw new Error(`fixture ${file}: no operation has the payload root ${fixture.name}`);
    const operation = spec.name;
    const stem = file.replace(/Request\.xml$/, '');
    setDates(fixture, operation, options.today);
    setIds(fixture, operation, options.ids ?? {});
    const soapAction = soapActionOf(spec);

    if (OPERATORE_OPS.has(operation)) {
      const operatore = child(fixture, 'operatore');
      if (!operatore) throw new Error(`fixture ${file}: no operatore`);
      // An operatore acts for itself: no pincode, and its own codice fiscale when one is sent.
      removeChild(operatore, 'pincode');
      setLeaf(operatore, 'codiceFiscale', DEMO.operatore.user);
      out.push({ name: `${stem}/operatore`, operation, soapAction, credentials: { user: DEMO.operatore.user, password: DEMO.operatore.password }, envelope: envelopeOf(fixture) });
      continue;
    }
    const medico = child(fixture, 'medico');
    if (!medico) throw new Error(`fixture ${file}: no medico`);
    setLeaf(medico, 'pincode', options.pin);
    out.push({ name: `${stem}/medico`, operation, soapAction, credentials: { user: DEMO.medico.user, password: DEMO.medico.password }, envelope: envelopeOf(clone(fixture)) });
    if (REGIONE_OPS.has(operation)) {
      const forRegione = clone(fixture);
      const redattore = child(forRegione, 'medico')!;
      removeChild(redattore, 'pincode');
      redattore.children.unshift(el('codiceFiscale', [], [text(DEMO.medico.user)]));
      out.push({ name: `${stem}/regione`, operation, soapAction, credentials: { user: DEMO.regione.user, password: DEMO.regione.password }, envelope: envelopeOf(forRegione) });
    }
  }
  return out;
}

/** Rome's calendar day of an instant. */
export function romeDay(instant: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome', year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/**
 * What the gateway answered one request, read from the response text: a
 * receipt (its PUC and date), a ricevutaNonOk (every tipoErrore with its
 * sezioneErrata), or a SOAP fault. The gateway writes these documents itself
 * (UTF-8, no CDATA, escaped text), so a few patterns read them exactly.
 */
/** 'ignored': an archive's entry that is no request file (not sent, not an error). */
export type Outcome = 'accepted' | 'refused' | 'fault' | 'failed' | 'invalid' | 'ignored';

export interface ErrorEntry {
  readonly tipoErrore: string;
  readonly sezioneErrata: string;
}

export interface Answer {
  readonly outcome: 'accepted' | 'refused' | 'fault';
  /** idCertificato (PUC) of the receipt, when the operation returns one. */
  readonly puc?: string;
  readonly pucir?: string;
  readonly dataRicezione?: string;
  readonly errors: ErrorEntry[];
  readonly faultCode?: string;
  readonly faultString?: string;
}

function unescape(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_m, e: string) => {
    switch (e) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default: return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}

function leaf(xml: string, name: string): string | undefined {
  const m = new RegExp(`<(?:[\\w.-]+:)?${name}>([^<]*)</(?:[\\w.-]+:)?${name}>`).exec(xml);
  return m ? unescape(m[1]!) : undefined;
}

/** undefined when the text is no SOAP answer at all (e.g. a proxy's HTML page). */
export function readAnswer(xml: string): Answer | undefined {
  if (/<(?:[\w.-]+:)?Fault[\s>]/.test(xml)) {
    return { outcome: 'fault', errors: [], faultCode: leaf(xml, 'faultcode'), faultString: leaf(xml, 'faultstring') };
  }
  if (!/<(?:[\w.-]+:)?Envelope[\s>]/.test(xml)) return undefined;
  const nonOk = /<(?:[\w.-]+:)?ricevutaNonOk[\s>]([\s\S]*?)<\/(?:[\w.-]+:)?ricevutaNonOk>/.exec(xml);
  if (nonOk) {
    const errors: ErrorEntry[] = [];
    const re = /<(?:[\w.-]+:)?errore>([\s\S]*?)<\/(?:[\w.-]+:)?errore>/g;
    for (let m = re.exec(nonOk[1]!); m; m = re.exec(nonOk[1]!)) {
      errors.push({ tipoErrore: leaf(m[1]!, 'tipoErrore') ?? '', sezioneErrata: leaf(m[1]!, 'sezioneErrata') ?? '' });
    }
    return { outcome: 'refused', errors };
  }
  if (!/<(?:[\w.-]+:)?ricevutaOk\w*[\s>]/.test(xml)) return undefined;
  return {
    outcome: 'accepted',
    puc: leaf(xml, 'idCertificato'),
    pucir: leaf(xml, 'idInizioRicovero'),
    dataRicezione: leaf(xml, 'dataRicezione'),
    errors: [],
  };
}

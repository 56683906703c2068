/**
 * In-process cost of what every request pays first: libxml2 (WASM) parsing
 * the envelope and validating the payload against the compiled contract XSD,
 * with the gateway's own functions (parseXml, readEnvelope, ContractSchema).
 */
import { XmlElement } from 'libxml2-wasm';
import { readEnvelope } from '../../src/soap/envelope.js';
import { parseXml } from '../../src/xml/parse.js';
import { ContractSchema } from '../../src/xml/schema.js';

export interface XsdBench {
  readonly iterations: number;
  readonly envelopeBytes: number;
  readonly payloadBytes: number;
  /** parse + find payload + validate + dispose, ms per op: the gateway's path. */
  readonly parseValidateMs: number;
  /**
   * libxml2's own work: parse the envelope, reach the payload by the shortest
   * path (root -> last child -> first child), validate it, dispose. The
   * target of issue 4 is about this number.
   */
  readonly libxml2Ms: number;
  /** libxml2 parse + dispose only. */
  readonly parseOnlyMs: number;
  /** parse + readEnvelope (the JS walk to the payload) + dispose. */
  readonly parseEnvelopeMs: number;
  readonly validateOnlyMs: number;
  /** Same loop on the payload alone as its own document (what "a 1 KB payload" means). */
  readonly payloadParseValidateMs: number;
  /** RSS of this process before and after the loops, kB: WASM memory that is not released shows here. */
  readonly rssBeforeKb: number;
  readonly rssAfterKb: number;
}

/**
 * ms per call of fn. The loop yields to the event loop every 1000 calls, as
 * a server does between requests: libxml2-wasm keeps a WeakRef per document,
 * and V8 keeps every WeakRef target alive until the current job ends, so one
 * long synchronous loop would pile up dead documents and time the GC of that
 * artefact. Only the batches are timed.
 */
async function timeLoop(iterations: number, fn: () => void): Promise<number> {
  const batch = 1000;
  const run = async (n: number): Promise<bigint> => {
    let spent = 0n;
    for (let done = 0; done < n; done += batch) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < Math.min(batch, n - done); i++) fn();
      spent += process.hrtime.bigint() - t0;
    }
    return spent;
  };
  await run(Math.min(5000, iterations)); // JIT and WASM tier-up
  return Number(await run(iterations)) / 1e6 / iterations;
}

export async function benchXsd(envelopeXml: string, iterations: number): Promise<XsdBench> {
  const schema = ContractSchema.load();
  const body = Buffer.from(envelopeXml, 'utf8');
  // The payload on its own, with the namespace declaration it needs.
  const m = /<soapenv:Body>(.*)<\/soapenv:Body>/s.exec(envelopeXml);
  const payloadXml = m![1]!.replace(/^<cert:(\w+)>/, '<cert:$1 xmlns:cert="http://cert.sanita.finanze.it/">');
  const payloadBuf = Buffer.from(payloadXml, 'utf8');
  const rssBeforeKb = Math.round(process.memoryUsage().rss / 1024);

  const check = (errors: readonly unknown[]) => {
    if (errors.length > 0) throw new Error(`sample payload is not valid: ${JSON.stringify(errors)}`);
  };
  const parseValidateMs = await timeLoop(iterations, () => {
    const doc = parseXml(body, 'UTF-8');
    try {
      check(schema.validateNode(readEnvelope(doc).payload));
    } finally {
      doc.dispose();
    }
  });
  const libxml2Ms = await timeLoop(iterations, () => {
    const doc = parseXml(body, 'UTF-8');
    try {
      const soapBody = doc.root.lastChild;
      const payload = soapBody instanceof XmlElement ? soapBody.firstChild : null;
      if (!(payload instanceof XmlElement)) throw new Error('sample envelope has no payload');
      check(schema.validate(payload));
    } finally {
      doc.dispose();
    }
  });
  const parseOnlyMs = await timeLoop(iterations, () => {
    parseXml(body, 'UTF-8').dispose();
  });
  const parseEnvelopeMs = await timeLoop(iterations, () => {
    const doc = parseXml(body, 'UTF-8');
    readEnvelope(doc);
    doc.dispose();
  });
  const kept = parseXml(body, 'UTF-8');
  let validateOnlyMs: number;
  try {
    const payload = readEnvelope(kept).payload;
    validateOnlyMs = await timeLoop(iterations, () => check(schema.validateNode(payload)));
  } finally {
    kept.dispose();
  }
  const payloadParseValidateMs = await timeLoop(iterations, () => {
    const doc = parseXml(payloadBuf, 'UTF-8');
    try {
      check(schema.validate(doc.root));
    } finally {
      doc.dispose();
    }
  });
  schema.dispose();
  return {
    iterations,
    envelopeBytes: body.length,
    payloadBytes: payloadBuf.length,
    parseValidateMs,
    libxml2Ms,
    parseOnlyMs,
    parseEnvelopeMs,
    validateOnlyMs,
    payloadParseValidateMs,
    rssBeforeKb,
    rssAfterKb: Math.round(process.memoryUsage().rss / 1024),
  };
}

/**
 * The SoapUI replayer: runs every test step of a SoapUI project file
 * against a real gateway as SoapUI's testrunner would (suites and cases in
 * order, a failed step aborting its case when failOnError, preemptive HTTP
 * Basic, the operation's SOAPAction quoted, property expansion) and
 * evaluates every assertion the file declares (assertions.ts). A step type
 * it cannot run, an expansion it cannot evaluate or an assertion type it
 * does not know is a failure, never a pass.
 *
 * The pincode: when the project property pincodeCifrato is empty and a
 * plain pincode is given, the replayer fetches the gateway's certificate
 * (GET /CertServiceWeb/SanitelCF.pem, beside the endpoint) and encrypts it
 * as a client does; the plain pincode never goes on the wire.
 */
import { encryptField } from '../auth/pincodeCipher.js';
import { OPERATIONS } from '../contract/operations.js';
import { CERT_PEM_PATH } from '../http/contractRoutes.js';
import { ContractSchema } from '../xml/schema.js';
import { evaluateAssertions, type AssertionResult } from './assertions.js';
import { expand, type ExpansionContext } from './expand.js';
import { readSoapuiProject, SoapuiProjectError, type Properties, type RequestStep } from './projectFile.js';
import { PROJECT_PROPERTY } from './scenarios.js';

export interface ReplayOptions {
  /** The service endpoint for every request (testrunner's -e); default: each step's own. */
  readonly endpoint?: string;
  /** Project properties set over the file's (testrunner's -Pname=value). */
  readonly properties?: Readonly<Record<string, string>>;
  /** A plain pincode, encrypted with the gateway's certificate when pincodeCifrato is empty. */
  readonly pincode?: string;
  readonly now?: () => Date;
  /** Per request, default 30 s. */
  readonly timeoutMs?: number;
  /** For ${#Env#NAME}; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Only the test cases with these names. */
  readonly testCases?: readonly string[];
  /** Called after each step. */
  readonly onStep?: (result: StepResult) => void;
}

export type StepStatus = 'passed' | 'failed' | 'skipped';

export interface StepResult {
  readonly suite: string;
  readonly testCase: string;
  readonly step: string;
  readonly status: StepStatus;
  readonly httpStatus?: number;
  readonly assertions: readonly AssertionResult[];
  /** Why the step failed without assertions, or was skipped. */
  readonly error?: string;
  readonly ms: number;
}

export interface ReplayReport {
  readonly project: string;
  readonly steps: readonly StepResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly assertions: number;
}

/** No SOAP answer of this service comes near it; a hostile endpoint cannot fill memory. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

async function readBounded(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_RESPONSE_BYTES) throw new Error(`response of ${declared} bytes: more than the replayer reads (${MAX_RESPONSE_BYTES})`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > MAX_RESPONSE_BYTES) throw new Error(`response longer than ${MAX_RESPONSE_BYTES} bytes`);
      chunks.push(chunk);
    }
  }
  // The gateway answers UTF-8 (text/xml; charset=utf-8).
  return Buffer.concat(chunks).toString('utf8');
}

/** The gateway's pincode certificate, beside the endpoint. */
async function fetchCertificate(endpoint: string, timeoutMs: number): Promise<string> {
  const url = new URL(CERT_PEM_PATH, endpoint);
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (response.status !== 200) throw new SoapuiProjectError(`GET ${url.href} answered ${response.status}: cannot encrypt the pincode`);
  return readBounded(response);
}

function encodingOf(step: RequestStep): BufferEncoding | undefined {
  const e = step.encoding.trim().toUpperCase();
  return e === '' || e === 'UTF-8' ? 'utf8' : e === 'ISO-8859-1' ? 'latin1' : undefined;
}

interface CaseState {
  readonly responses: Map<string, string>;
  readonly requests: Map<string, string>;
}

async function runStep(
  step: RequestStep,
  expansion: ExpansionContext,
  project: ReturnType<typeof readSoapuiProject>,
  options: ReplayOptions,
  schema: ContractSchema,
  requests: Map<string, string>,
): Promise<Omit<StepResult, 'suite' | 'testCase' | 'step' | 'ms'> & { body?: string }> {
  if (step.type !== 'request') return { status: 'failed', assertions: [], error: `test step type '${step.type}' is not run by the replayer (only "request")` };
  const action = project.actions.get(`${step.interfaceName}/${step.operation}`);
  if (action === undefined) return { status: 'failed', assertions: [], error: `no operation '${step.operation}' in interface '${step.interfaceName}'` };
  const soapVersion = project.soapVersions.get(step.interfaceName) ?? '1_1';
  if (soapVersion !== '1_1') return { status: 'failed', assertions: [], error: `SOAP version ${soapVersion}: the replayer sends SOAP 1.1` };
  const encoding = encodingOf(step);
  if (encoding === undefined) return { status: 'failed', assertions: [], error: `request encoding '${step.encoding}' not supported (UTF-8 or ISO-8859-1)` };
  let endpoint: string;
  let body: string;
  const headers: Record<string, string> = {
    'content-type': `text/xml;charset=${encoding === 'utf8' ? 'UTF-8' : 'ISO-8859-1'}`,
    soapaction: `"${action}"`,
  };
  try {
    endpoint = options.endpoint ?? expand(step.endpoint, expansion);
    body = expand(step.request, expansion);
    requests.set(step.name, body);
    if (step.username !== undefined && step.username !== '') {
      headers.authorization = basic(expand(step.username, expansion), expand(step.password ?? '', expansion));
    }
  } catch (err) {
    return { status: 'failed', assertions: [], error: (err as Error).message };
  }
  let status: number;
  let text: string;
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: Buffer.from(body, encoding),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    status = response.status;
    text = await readBounded(response);
  } catch (err) {
    return { status: 'failed', assertions: [], error: `no answer from ${endpoint}: ${(err as Error).message}` };
  }
  const operation = OPERATIONS.find((op) => op.name === step.operation);
  const assertions = evaluateAssertions(step.assertions, { status, body: text, soapVersion, operation, expand: (t) => expand(t, expansion) }, schema);
  return { status: assertions.every((a) => a.passed) ? 'passed' : 'failed', httpStatus: status, assertions, body: text };
}

/** Replay every test step of the project (its file's text). */
export async function replaySoapuiProject(projectXml: string, options: ReplayOptions = {}): Promise<ReplayReport> {
  const project = readSoapuiProject(projectXml);
  const projectProperties = new Map(project.properties);
  for (const [name, value] of Object.entries(options.properties ?? {})) projectProperties.set(name, value);
  const timeoutMs = options.timeoutMs ?? 30_000;
  if ((projectProperties.get(PROJECT_PROPERTY.pincodeCifrato) ?? '') === '' && options.pincode !== undefined) {
    const endpoint = options.endpoint ?? projectProperties.get(PROJECT_PROPERTY.endpoint);
    if (endpoint === undefined) throw new SoapuiProjectError('no endpoint to fetch the pincode certificate from: give --url');
    projectProperties.set(PROJECT_PROPERTY.pincodeCifrato, encryptField(await fetchCertificate(endpoint, timeoutMs), options.pincode));
  }
  const schema = ContractSchema.load();
  const steps: StepResult[] = [];
  try {
    for (const suite of project.testSuites) {
      if (suite.disabled) continue;
      for (const testCase of suite.testCases) {
        if (testCase.disabled) continue;
        if (options.testCases && !options.testCases.includes(testCase.name)) continue;
        const state: CaseState = { responses: new Map(), requests: new Map() };
        const expansion: ExpansionContext = {
          project: projectProperties as Properties,
          suite: suite.properties,
          testCase: testCase.properties,
          responses: state.responses,
          requests: state.requests,
          now: options.now ?? (() => new Date()),
          env: options.env ?? process.env,
        };
        let aborted: string | undefined;
        for (const step of testCase.steps) {
          if (step.disabled) continue;
          const base = { suite: suite.name, testCase: testCase.name, step: step.name };
          let result: StepResult;
          if (aborted !== undefined) {
            result = { ...base, status: 'skipped', assertions: [], error: `not run: step '${aborted}' failed`, ms: 0 };
          } else {
            const started = performance.now();
            const { body, ...outcome } = await runStep(step, expansion, project, options, schema, state.requests);
            if (body !== undefined) state.responses.set(step.name, body);
            result = { ...base, ...outcome, ms: Math.round(performance.now() - started) };
            if (result.status === 'failed' && testCase.failOnError) aborted = step.name;
          }
          steps.push(result);
          options.onStep?.(result);
        }
      }
    }
  } finally {
    schema.dispose();
  }
  return {
    project: project.name,
    steps,
    passed: steps.filter((s) => s.status === 'passed').length,
    failed: steps.filter((s) => s.status === 'failed').length,
    skipped: steps.filter((s) => s.status === 'skipped').length,
    assertions: steps.reduce((n, s) => n + s.assertions.length, 0),
  };
}

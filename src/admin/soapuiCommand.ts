/**
 * `sac-gateway soapui`: print the SoapUI 5 project generated from the
 * gateway's contract and catalog (src/soapui/projectXml.ts), check the
 * committed one, or replay a project against a gateway without SoapUI.
 * Exit status of replay: 0 every step passed; 1 some step failed or was not run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../contract/files.js';
import { replaySoapuiProject, type StepResult } from '../soapui/replay.js';
import { DEFAULT_BASE_URL, renderSoapuiProject, SOAPUI_PROJECT_PATH } from '../soapui/projectXml.js';
import { parseCommand, stringValue, usageError, type CommandSpec } from './command.js';

const SOAPUI: CommandSpec = {
  name: 'soapui',
  options: { 'base-url': { type: 'string' }, check: { type: 'boolean' }, write: { type: 'boolean' } },
  usage: `usage: sac-gateway soapui [--base-url URL] [--check | --write]
       sac-gateway soapui replay FILE [--url URL] [-P NAME=VALUE ...] [--test-case NAME ...]

Print on stdout the SoapUI 5 project generated from this gateway's contract
(WSDL, XSD, the ten operations), its diagnostics catalog and its demo data:
  sac-gateway soapui > project.xml
One test case per operation, with valid and invalid requests and their
assertions. Project properties: endpoint, username, password, pincodeCifrato
(empty: fill it with the output of sac-gateway encrypt), usernameOperatore,
passwordOperatore, lavoratore. Dates are today's in Europe/Rome, computed by
SoapUI when it sends (\${=...} expansions).

  --base-url URL  the gateway's address in the project (default ${DEFAULT_BASE_URL})
  --check         write nothing; exit 1 if ${SOAPUI_PROJECT_PATH} is out of date
  --write         write ${SOAPUI_PROJECT_PATH} instead of printing

See sac-gateway soapui replay --help to run a project without SoapUI.
`,
};

const REPLAY: CommandSpec = {
  name: 'soapui replay',
  positionals: ['FILE'],
  options: {
    url: { type: 'string' },
    property: { type: 'string', short: 'P', multiple: true },
    'test-case': { type: 'string', multiple: true },
    timeout: { type: 'string' },
  },
  usage: `usage: sac-gateway soapui replay FILE [--url URL] [-P NAME=VALUE ...] [--test-case NAME ...]

Run every request step of the SoapUI project FILE against a gateway, as
SoapUI's testrunner.sh would, and evaluate every assertion the file declares
with SoapUI's semantics (SOAP Response, Schema Compliance, XPath Match, SOAP
Fault / Not SOAP Fault, Valid and Invalid HTTP Status Codes, Simple Contains
and NotContains). An assertion type, step type or \${=...} expression the
replayer does not know fails the step.

  --url URL          the service endpoint for every request, e.g.
                     http://localhost:8080/CertServiceWeb/CertificatiMedici
                     (like testrunner's -e; default: the project's endpoint)
  -P NAME=VALUE      set a project property (like testrunner's -P); repeatable
  --test-case NAME   only this test case; repeatable
  --timeout S        seconds per request (default 30)

The pincode: if the project property pincodeCifrato is empty, set SAC_PINCODE
to the plain pincode (never on the command line): the replayer downloads the
gateway's certificate beside the endpoint and encrypts it, as a client does.
Exit status: 0 every step passed; 1 some step failed or was not run; 2 wrong arguments.
`,
};

export async function soapuiCommand(args: string[]): Promise<void> {
  if (args[0] === 'replay') return replayCommand(args.slice(1));
  const parsed = parseCommand(SOAPUI, args);
  if (!parsed) return;
  if (parsed.positionals.length > 0) throw usageError(SOAPUI, `unexpected argument '${parsed.positionals[0]!.slice(0, 64)}'`);
  const baseUrl = stringValue(parsed, 'base-url') ?? DEFAULT_BASE_URL;
  if (!/^https?:\/\/[^/?#\s]+$/.test(baseUrl)) throw usageError(SOAPUI, '--base-url must be http(s)://HOST[:PORT], without a path');
  const rendered = renderSoapuiProject(baseUrl);
  const file = path.join(PROJECT_ROOT, SOAPUI_PROJECT_PATH);
  if (parsed.values.check === true) {
    if (readFileSync(file, 'utf8') !== rendered) {
      process.stderr.write(`${SOAPUI_PROJECT_PATH} is out of date: run sac-gateway soapui --write\n`);
      process.exitCode = 1;
    }
    return;
  }
  if (parsed.values.write === true) {
    writeFileSync(file, rendered);
    process.stdout.write(`wrote ${SOAPUI_PROJECT_PATH}\n`);
    return;
  }
  process.stdout.write(rendered);
}

function line(r: StepResult): string {
  const head = `${r.status === 'passed' ? 'ok  ' : r.status === 'skipped' ? 'skip' : 'FAIL'} ${r.testCase} / ${r.step}${r.httpStatus === undefined ? '' : ` (HTTP ${r.httpStatus}, ${r.ms} ms)`}`;
  const why = [
    ...(r.error === undefined ? [] : [`       ${r.error}`]),
    ...r.assertions.filter((a) => !a.passed).map((a) => `       ${a.name} [${a.type}]: ${a.message}`),
  ];
  return [head, ...why].join('\n');
}

async function replayCommand(args: string[]): Promise<void> {
  const parsed = parseCommand(REPLAY, args);
  if (!parsed) return;
  const file = parsed.positionals[0]!;
  const url = stringValue(parsed, 'url');
  if (url !== undefined) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw usageError(REPLAY, '--url is not a URL');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usageError(REPLAY, '--url must be http: or https:');
  }
  const properties: Record<string, string> = {};
  for (const p of (parsed.values.property as unknown as string[] | undefined) ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw usageError(REPLAY, `-P expects NAME=VALUE, got '${p.slice(0, 64)}'`);
    properties[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const timeout = stringValue(parsed, 'timeout') ?? '30';
  if (!/^\d{1,4}$/.test(timeout) || Number(timeout) < 1) throw usageError(REPLAY, '--timeout must be a whole number of seconds from 1 to 9999');
  let xml: string;
  try {
    xml = readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(REPLAY, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const testCases = parsed.values['test-case'] as unknown as string[] | undefined;
  const report = await replaySoapuiProject(xml, {
    ...(url === undefined ? {} : { endpoint: url }),
    properties,
    ...(process.env.SAC_PINCODE ? { pincode: process.env.SAC_PINCODE } : {}),
    ...(testCases === undefined ? {} : { testCases }),
    timeoutMs: Number(timeout) * 1000,
    onStep: (r) => process.stdout.write(`${line(r)}\n`),
  });
  process.stdout.write(`${report.project}: ${report.steps.length} steps, ${report.passed} passed, ${report.failed} failed, ${report.skipped} not run; ${report.assertions} assertions evaluated\n`);
  if (report.failed + report.skipped > 0 || report.steps.length === 0) process.exitCode = 1;
}

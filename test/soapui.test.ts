/**
 * The SoapUI project (soapui/sac-gateway-soapui-project.xml): generated from
 * the contract and the catalog without drift, replayed step by step against
 * a real gateway with SoapUI's assertion semantics, and a replayer that
 * fails when an assertion should fail (a tampered copy of the project).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIAGNOSTICS } from '../src/catalog/diagnostics.js';
import { OPERATIONS } from '../src/contract/operations.js';
import { PROJECT_ROOT } from '../src/contract/files.js';
import { evaluateAssertions } from '../src/soapui/assertions.js';
import { readSoapuiProject } from '../src/soapui/projectFile.js';
import { renderSoapuiProject, SOAPUI_PROJECT_PATH } from '../src/soapui/projectXml.js';
import { replaySoapuiProject, type ReplayReport } from '../src/soapui/replay.js';
import { TEST_CASES } from '../src/soapui/scenarios.js';
import { ContractSchema } from '../src/xml/schema.js';
import { NOW, pinnedGateway, type PinnedGateway } from './support/demo.js';
import { startGateway, tempDir, type Running } from './support/gateway.js';
import { withTestStore } from './support/testStore.js';
import { DEMO } from './support/soapClient.js';

const PROJECT_FILE = path.join(PROJECT_ROOT, SOAPUI_PROJECT_PATH);
const committed = readFileSync(PROJECT_FILE, 'utf8');
const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const STEPS = TEST_CASES.reduce((n, tc) => n + tc.steps.length, 0);

function failures(report: ReplayReport): string {
  return report.steps
    .filter((s) => s.status !== 'passed')
    .map((s) => `${s.testCase} / ${s.step}: ${s.status} ${s.error ?? ''} ${s.assertions.filter((a) => !a.passed).map((a) => `${a.name}: ${a.message}`).join('; ')}`)
    .join('\n');
}

test(`${SOAPUI_PROJECT_PATH} is what \`sac-gateway soapui\` generates (run sac-gateway soapui --write after changing the contract or catalog)`, () => {
  assert.equal(committed, renderSoapuiProject());
});

test('the project has a test case per operation, each with a valid, an invalid and a fault step, and the assertions the issue names', () => {
  const project = readSoapuiProject(committed);
  assert.equal(project.testSuites.length, 1);
  const cases = project.testSuites[0]!.testCases;
  assert.deepEqual(cases.map((c) => c.name).sort(), OPERATIONS.map((o) => o.name).sort());
  assert.equal(project.actions.size, OPERATIONS.length);
  for (const op of OPERATIONS) assert.equal(project.actions.get(`CertificatiMedici/${op.name}`), `http://ws.cert.sanita.finanze.it/${op.name}`);
  for (const tc of cases) {
    const own = tc.steps.filter((s) => s.operation === tc.name);
    const types = (s: (typeof own)[number]) => s.assertions.map((a) => a.type);
    const noErrors = (s: (typeof own)[number]) => s.assertions.some((a) => a.type === 'XPath Match' && /count\(.*\/ricevutaNonOk\)$/.test(a.configuration.get('path')!) && a.configuration.get('content') === '0');
    assert.ok(own.some((s) => types(s).includes('SOAP Fault Assertion') && types(s).includes('Schema Compliance') && noErrors(s)), `${tc.name}: a valid step`);
    assert.ok(own.some((s) => s.assertions.some((a) => a.type === 'XPath Match' && a.configuration.get('path')!.endsWith('/tipoErrore'))), `${tc.name}: a tipoErrore check`);
    assert.ok(own.some((s) => s.assertions.some((a) => a.type === 'XPath Match' && a.configuration.get('path')!.endsWith('/sezioneErrata'))), `${tc.name}: a sezioneErrata check`);
    assert.ok(own.some((s) => types(s).includes('Not SOAP Fault Assertion') && types(s).includes('Valid HTTP Status Codes')), `${tc.name}: a fault step`);
    for (const s of tc.steps) assert.equal(s.username?.startsWith('${#Project#'), true, 'credentials are project properties');
  }
  // Every expected tipoErrore is a code of the catalog.
  const codes = new Set(Object.values(DIAGNOSTICS).map((d) => d.code as string));
  for (const tc of cases) for (const s of tc.steps) for (const a of s.assertions) if (a.configuration.get('path')?.endsWith('/tipoErrore')) assert.ok(codes.has(a.configuration.get('content')!));
  // No date and no secret pincode in the file: both are expansions.
  assert.doesNotMatch(committed.split('<con:testSuite')[1]!, /\d{4}-\d{2}-\d{2}/);
  assert.equal(project.properties.get('pincodeCifrato'), '');
});

describe('replaying the committed project against a gateway', () => {
  let pinned: PinnedGateway;
  before(async () => {
    pinned = await pinnedGateway(NOW);
  });
  after(async () => {
    await pinned.gw.stop();
  });
  const now = () => new Date(NOW);

  test('every step passes, every assertion evaluated (the pincode encrypted with the certificate the gateway serves)', async () => {
    const report = await replaySoapuiProject(committed, { endpoint: pinned.gw.endpoint, pincode: DEMO.medico.pincode, now });
    assert.equal(failures(report), '');
    assert.equal(report.steps.length, STEPS);
    assert.equal(report.passed, STEPS);
    assert.ok(report.assertions >= STEPS * 5, `${report.assertions} assertions`);
    assert.equal(new Set(report.steps.map((s) => s.testCase)).size, OPERATIONS.length);
  });

  test('a tampered copy expecting the wrong tipoErrore fails on that assertion, and only there', async () => {
    const code = DIAGNOSTICS.DATA_RILASCIO_FUTURA.code;
    const wrong = DIAGNOSTICS.DATA_RILASCIO_SCADUTA.code;
    const tampered = committed.replace(`<content>${code}</content>`, `<content>${wrong}</content>`);
    assert.notEqual(tampered, committed);
    const report = await replaySoapuiProject(tampered, { endpoint: pinned.gw.endpoint, properties: { pincodeCifrato: pinned.pin }, now, testCases: ['InviaMalattia'] });
    const failed = report.steps.filter((s) => s.status === 'failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.step, 'InviaMalattia: rilascio domani');
    const bad = failed[0]!.assertions.filter((a) => !a.passed);
    assert.deepEqual(bad.map((a) => a.type), ['XPath Match']);
    assert.match(bad[0]!.message, new RegExp(`expected '${wrong}', got '${code}'`));
    // failOnError: the step after the failed one is not run, and says so.
    assert.equal(report.skipped, 1);
  });

  test('SoapUI\'s inverted ids: "SOAP Fault Assertion" (Not SOAP Fault) fails on a fault, "Not SOAP Fault Assertion" (SOAP Fault) on a receipt', async () => {
    const swapped = committed
      .replaceAll('type="SOAP Fault Assertion"', 'type="__NOT__"')
      .replaceAll('type="Not SOAP Fault Assertion"', 'type="SOAP Fault Assertion"')
      .replaceAll('type="__NOT__"', 'type="Not SOAP Fault Assertion"');
    const report = await replaySoapuiProject(swapped, { endpoint: pinned.gw.endpoint, properties: { pincodeCifrato: pinned.pin }, now, testCases: ['InterrogazioneLavoratore'] });
    const results = report.steps.flatMap((s) => s.assertions.filter((a) => a.type.includes('SOAP Fault')).map((a) => `${s.step}: ${a.passed}`));
    // The first step fails (a receipt is not a fault); failOnError skips the rest.
    assert.deepEqual(results, ['InterrogazioneLavoratore: valida: false']);
    assert.equal(report.failed, 1);
  });

  test('an assertion type, a step type or a Groovy expression the replayer does not know fails the step', async () => {
    const options = { endpoint: pinned.gw.endpoint, properties: { pincodeCifrato: pinned.pin }, now, testCases: ['InterrogazioneLavoratore'] };
    const unknownAssertion = committed.replaceAll('<con:assertion type="SOAP Response" name="SOAP Response"/>', '<con:assertion type="Script Assertion" name="Groovy"/>');
    let report = await replaySoapuiProject(unknownAssertion, options);
    assert.ok(report.steps.some((s) => s.assertions.some((a) => a.type === 'Script Assertion' && !a.passed && /not known/.test(a.message))));

    const unknownGroovy = committed.replace("${=java.util.UUID.randomUUID().toString().substring(0,8)}", '${=new Random().nextInt()}');
    report = await replaySoapuiProject(unknownGroovy, { ...options, testCases: ['InviaMalattia'] });
    assert.match(report.steps[0]!.error ?? '', /does not evaluate this Groovy/);
    assert.equal(report.passed, 0);

    const groovyStep = committed.replace('<con:testStep type="request" name="InterrogazioneLavoratore: valida">', '<con:testStep type="groovy" name="InterrogazioneLavoratore: valida">');
    report = await replaySoapuiProject(groovyStep, options);
    assert.match(report.steps[0]!.error ?? '', /type 'groovy' is not run/);

    const unknownProperty = committed.replace('${#Project#lavoratore}', '${#Project#assistito}');
    report = await replaySoapuiProject(unknownProperty, { ...options, testCases: ['InviaMalattia'] });
    assert.match(report.steps[0]!.error ?? '', /no such Project property/);
  });

  test('without the encrypted pincode the doctor is refused: the replay does not pass by accident', async () => {
    const report = await replaySoapuiProject(committed, { endpoint: pinned.gw.endpoint, now, testCases: ['InterrogazioneLavoratore'] });
    assert.equal(report.passed, 0);
    assert.match(failures(report), /expected '1', got '0'/);
  });
});

describe('assertion semantics on a fixed exchange', () => {
  const schema = ContractSchema.load();
  after(() => schema.dispose());
  const fault = '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>Richiesta vuota</faultstring></s:Fault></s:Body></s:Envelope>';
  const exchange = { status: 500, body: fault, soapVersion: '1_1', operation: undefined, expand: (t: string) => t };
  const contains = (token: string, useRegEx: boolean, ignoreCase = false) =>
    evaluateAssertions([{ type: 'Simple Contains', name: 'c', disabled: false, configuration: new Map([['token', token], ['useRegEx', String(useRegEx)], ['ignoreCase', String(ignoreCase)]]) }], exchange, schema)[0]!.passed;

  test('a Contains regex must match the whole response; a plain token anywhere', () => {
    assert.equal(contains('Richiesta vuota', false), true);
    assert.equal(contains('Richiesta vuota', true), false);
    assert.equal(contains('.*Richiesta vuota.*', true), true);
    assert.equal(contains('RICHIESTA VUOTA', false), false);
    assert.equal(contains('.*RICHIESTA VUOTA.*', true, true), true);
    // (?s) lets . cross lines, as in Java.
    const multiline = { ...exchange, body: `${fault}\n` };
    const r = (token: string) => evaluateAssertions([{ type: 'Simple Contains', name: 'c', disabled: false, configuration: new Map([['token', token], ['useRegEx', 'true']]) }], multiline, schema)[0]!.passed;
    assert.equal(r('.*Richiesta vuota.*'), false);
    assert.equal(r('(?s).*Richiesta vuota.*'), true);
  });

  test('XPath Match compares with declared namespaces; a missing node fails; wildcards only when allowed', () => {
    const xpath = (path: string, content: string, allowWildcards = false) =>
      evaluateAssertions([{ type: 'XPath Match', name: 'x', disabled: false, configuration: new Map([['path', path], ['content', content], ['allowWildcards', String(allowWildcards)]]) }], exchange, schema)[0]!;
    const ns = "declare namespace e='http://schemas.xmlsoap.org/soap/envelope/';\n";
    assert.equal(xpath(`${ns}//e:Fault/faultstring`, 'Richiesta vuota').passed, true);
    assert.equal(xpath(`${ns}//e:Fault/faultstring`, 'Richiesta').passed, false);
    assert.equal(xpath(`${ns}//e:Fault/faultstring`, 'Richiesta*', true).passed, true);
    assert.equal(xpath(`${ns}//e:Fault/faultstring`, 'Richiesta*').passed, false);
    assert.match(xpath(`${ns}//e:Fault/detail`, '').message, /Missing content/);
    assert.equal(xpath(`${ns}count(//e:Fault)`, '1').passed, true);
    assert.equal(xpath('//Fault', 'x').passed, false, 'without its namespace the element is not found');
  });

  test('"SOAP Fault Assertion" is Not SOAP Fault, "Not SOAP Fault Assertion" is SOAP Fault', () => {
    const receipt = { ...exchange, status: 200, body: '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><x/></s:Body></s:Envelope>' };
    const passed = (type: string, on: typeof exchange) => evaluateAssertions([{ type, name: type, disabled: false, configuration: new Map() }], on, schema)[0]!.passed;
    assert.equal(passed('SOAP Fault Assertion', exchange), false);
    assert.equal(passed('Not SOAP Fault Assertion', exchange), true);
    assert.equal(passed('SOAP Fault Assertion', receipt), true);
    assert.equal(passed('Not SOAP Fault Assertion', receipt), false);
  });

  test('Valid and Invalid HTTP Status Codes; SOAP Response on a non-SOAP answer', () => {
    const codes = (type: string, list: string) => evaluateAssertions([{ type, name: 'h', disabled: false, configuration: new Map([['codes', list]]) }], exchange, schema)[0]!.passed;
    assert.equal(codes('Valid HTTP Status Codes', '200'), false);
    assert.equal(codes('Valid HTTP Status Codes', '200,500'), true);
    assert.equal(codes('Invalid HTTP Status Codes', '500'), false);
    const html = evaluateAssertions([{ type: 'SOAP Response', name: 's', disabled: false, configuration: new Map() }], { ...exchange, body: '<html><body>404</body></html>' }, schema);
    assert.equal(html[0]!.passed, false);
  });
});

describe('the CLI', () => {
  let gw: Running;
  const children: number[] = [];
  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await gw.stop();
  });

  async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
    const child = spawn(process.execPath, [CLI, ...args], { env: withTestStore({ ...process.env, SAC_DATA_DIR: tempDir(), ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child.pid!);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    return { code, out };
  }

  test('soapui prints the project; --check agrees with the committed file; --help runs nothing', async () => {
    const printed = await run(['soapui']);
    assert.equal(printed.code, 0);
    assert.equal(printed.out, committed);
    assert.equal((await run(['soapui', '--check'])).code, 0);
    const help = await run(['soapui', 'replay', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /^usage: sac-gateway soapui replay FILE/);
  });

  test('soapui replay FILE --url URL runs the project with the plain pincode from SAC_PINCODE; exit 1 on a failed assertion', async () => {
    const ok = await run(['soapui', 'replay', PROJECT_FILE, '--url', gw.endpoint, '--test-case', 'InterrogazioneLavoratore', '--test-case', 'RicercaMalattia'], { SAC_PINCODE: DEMO.medico.pincode });
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /6 steps, 6 passed, 0 failed, 0 not run/);
    const tamperedFile = path.join(tempDir(), 'tampered.xml');
    writeFileSync(tamperedFile, committed.replace(`<content>${DIAGNOSTICS.CF_LAVORATORE_CONTROLLO.code}</content>`, '<content>9999</content>'));
    const bad = await run(['soapui', 'replay', tamperedFile, '--url', gw.endpoint, '--test-case', 'InterrogazioneLavoratore'], { SAC_PINCODE: DEMO.medico.pincode });
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, /FAIL InterrogazioneLavoratore \/ InterrogazioneLavoratore: carattere di controllo errato/);
    assert.match(bad.out, /expected '9999', got '3002'/);
  });
});

/**
 * `sac-gateway soapui`: the SoapUI 5 project (con:soapui-project, namespace
 * http://eviware.com/soapui/config) generated from the gateway's own
 * contract (the WSDL and XSD it serves, the operations table), its
 * diagnostics catalog and its demo data, so it cannot drift from them.
 * The same inputs give the same bytes: no date, no random id (SoapUI gives
 * ids to elements that have none when it loads the project). Written by
 * hand: the format is a few fixed elements, and no library writes it.
 */
import { readFileSync } from 'node:fs';
import { DIAGNOSTICS, FAULTS } from '../catalog/diagnostics.js';
import { CERT_NS, OPERATIONS, soapActionOf, WS_NS } from '../contract/operations.js';
import { XSD_FILE_NAME, XSD_PATH } from '../contract/files.js';
import { loadWsdlTemplate, renderWsdl, SERVICE_PATH } from '../http/contractRoutes.js';
import { loadDemoData } from '../seed.js';
import { escapeXml } from '../soap/xmlWriter.js';
import { faultTextPrefix, operation, PROJECT_PROPERTY, TEST_CASES, type StepSpec } from './scenarios.js';

export const SOAPUI_PROJECT_PATH = 'soapui/sac-gateway-soapui-project.xml';
export const PROJECT_NAME = 'sac-gateway CertificatiMedici';
export const TEST_SUITE_NAME = 'CertificatiMedici';
/** The interface is named after the WSDL binding, as SoapUI names it on import. */
export const INTERFACE_NAME = 'CertificatiMedici';
/** Where `npm start` listens: the project's endpoint until the tester changes it. */
export const DEFAULT_BASE_URL = 'http://localhost:8080';
const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

/** Text inside CDATA: "]]>" split across two sections. */
function cdata(text: string): string {
  return `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

const a = escapeXml;

function envelope(step: StepSpec): string {
  return (
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}" xmlns:cert="${CERT_NS}">\n` +
    '   <soapenv:Header/>\n' +
    '   <soapenv:Body>\n' +
    `      <cert:${step.requestElement}>${step.body}</cert:${step.requestElement}>\n` +
    '   </soapenv:Body>\n' +
    '</soapenv:Envelope>'
  );
}

function assertion(type: string, name: string, configuration?: string): string {
  if (configuration === undefined) return `            <con:assertion type="${a(type)}" name="${a(name)}"/>\n`;
  const config = configuration === '' ? '<con:configuration/>' : `<con:configuration>${configuration}</con:configuration>`;
  return `            <con:assertion type="${a(type)}" name="${a(name)}">\n              ${config}\n            </con:assertion>\n`;
}

function xpathMatch(name: string, namespaces: Record<string, string>, path: string, content: string): string {
  const declarations = Object.entries(namespaces).map(([prefix, uri]) => `declare namespace ${prefix}='${uri}';\n`).join('');
  return assertion(
    'XPath Match',
    name,
    `\n                <path>${a(declarations + path)}</path>\n                <content>${a(content)}</content>\n` +
      '                <allowWildcards>false</allowWildcards>\n                <ignoreNamspaceDifferences>false</ignoreNamspaceDifferences>\n' +
      '                <ignoreComments>false</ignoreComments>\n              ',
  );
}

function statusCodes(codes: number): string {
  return assertion('Valid HTTP Status Codes', 'Valid HTTP Status Codes', `\n                <codes>${codes}</codes>\n              `);
}

function assertions(step: StepSpec): string {
  const response = operation(step.operation).responseElement;
  const ns = { soapenv: SOAP_ENV_NS, cert: CERT_NS };
  const body = `/soapenv:Envelope/soapenv:Body/cert:${response}`;
  switch (step.expect.kind) {
    case 'ok':
      return (
        assertion('SOAP Response', 'SOAP Response') +
        assertion('Schema Compliance', 'Schema Compliance', '') +
        // SoapUI's id "SOAP Fault Assertion" is the assertion it labels "Not SOAP Fault".
        assertion('SOAP Fault Assertion', 'Not SOAP Fault') +
        statusCodes(200) +
        xpathMatch(`Ricevuta ${operation(step.operation).okElement}`, ns, `count(${body}/${operation(step.operation).okElement})`, '1') +
        xpathMatch('Nessun errore', ns, `count(${body}/ricevutaNonOk)`, '0')
      );
    case 'nonOk': {
      const code: string = DIAGNOSTICS[step.expect.diagnostic].code;
      return (
        assertion('SOAP Response', 'SOAP Response') +
        assertion('Schema Compliance', 'Schema Compliance', '') +
        assertion('SOAP Fault Assertion', 'Not SOAP Fault') +
        statusCodes(200) +
        xpathMatch(`tipoErrore ${code}`, ns, `${body}/ricevutaNonOk/errore[1]/tipoErrore`, code) +
        xpathMatch(`sezioneErrata ${step.expect.sezione}`, ns, `${body}/ricevutaNonOk/errore[1]/sezioneErrata`, step.expect.sezione)
      );
    }
    case 'fault': {
      const fault = FAULTS[step.expect.fault];
      // A Contains regex must match the whole response, hence (?s).* on both sides.
      const token = `(?s).*<faultstring>${faultTextPrefix(step.expect.fault).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*`;
      return (
        assertion('SOAP Response', 'SOAP Response') +
        // SoapUI's id "Not SOAP Fault Assertion" is the assertion it labels "SOAP Fault".
        assertion('Not SOAP Fault Assertion', 'SOAP Fault') +
        statusCodes(fault.httpStatus) +
        xpathMatch(`faultcode ${fault.faultcode}`, { soapenv: SOAP_ENV_NS }, "substring-after(/soapenv:Envelope/soapenv:Body/soapenv:Fault/faultcode, ':')", fault.faultcode) +
        assertion(
          'Simple Contains',
          'Contains faultstring',
          `\n                <token>${a(token)}</token>\n                <ignoreCase>false</ignoreCase>\n                <useRegEx>true</useRegEx>\n              `,
        )
      );
    }
  }
}

function credentials(step: StepSpec): string {
  const [user, password] = step.sender === 'medico' ? [PROJECT_PROPERTY.username, PROJECT_PROPERTY.password] : [PROJECT_PROPERTY.usernameOperatore, PROJECT_PROPERTY.passwordOperatore];
  return (
    '            <con:credentials>\n' +
    `              <con:username>\${#Project#${user}}</con:username>\n` +
    `              <con:password>\${#Project#${password}}</con:password>\n` +
    '              <con:selectedAuthProfile>Basic</con:selectedAuthProfile>\n' +
    '              <con:addedBasicAuthenticationTypes>Basic</con:addedBasicAuthenticationTypes>\n' +
    '              <con:preemptive>true</con:preemptive>\n' +
    '              <con:authType>Preemptive</con:authType>\n' +
    '            </con:credentials>\n'
  );
}

function testStep(step: StepSpec): string {
  return (
    `      <con:testStep type="request" name="${a(step.name)}">\n` +
    '        <con:settings/>\n' +
    `        <con:config xsi:type="con:RequestStep" ${XSI}>\n` +
    `          <con:interface>${INTERFACE_NAME}</con:interface>\n` +
    `          <con:operation>${step.operation}</con:operation>\n` +
    `          <con:request name="${a(step.name)}">\n` +
    '            <con:settings/>\n' +
    '            <con:encoding>UTF-8</con:encoding>\n' +
    `            <con:endpoint>\${#Project#${PROJECT_PROPERTY.endpoint}}</con:endpoint>\n` +
    `            <con:request>${cdata(envelope(step))}</con:request>\n` +
    assertions(step) +
    credentials(step) +
    '          </con:request>\n' +
    '        </con:config>\n' +
    '      </con:testStep>\n'
  );
}

function interfaceXml(baseUrl: string): string {
  const service = `${baseUrl}${SERVICE_PATH}`;
  const wsdlUrl = `${service}?wsdl`;
  const xsdUrl = `${service}?xsd=${XSD_FILE_NAME}`;
  const part = (url: string, content: string, type: string) =>
    `      <con:part>\n        <con:url>${a(url)}</con:url>\n        <con:content>${cdata(content)}</con:content>\n        <con:type>${type}</con:type>\n      </con:part>\n`;
  const operations = OPERATIONS.map(
    (op) =>
      `    <con:operation isOneWay="false" action="${a(soapActionOf(op))}" name="${op.name}" bindingOperationName="${op.name}" type="Request-Response" inputName="" receivesAttachments="false" sendsAttachments="false" anonymous="optional">\n` +
      '      <con:settings/>\n    </con:operation>\n',
  ).join('');
  return (
    `  <con:interface xsi:type="con:WsdlInterface" wsaVersion="NONE" name="${INTERFACE_NAME}" type="wsdl" bindingName="{${WS_NS}}CertificatiMedici" soapVersion="1_1" anonymous="optional" definition="${a(wsdlUrl)}" ${XSI}>\n` +
    '    <con:settings/>\n' +
    `    <con:definitionCache type="TEXT" rootPart="${a(wsdlUrl)}">\n` +
    part(wsdlUrl, renderWsdl(loadWsdlTemplate(), baseUrl), 'http://schemas.xmlsoap.org/wsdl/') +
    part(xsdUrl, readFileSync(XSD_PATH, 'utf8'), 'http://www.w3.org/2001/XMLSchema') +
    '    </con:definitionCache>\n' +
    `    <con:endpoints>\n      <con:endpoint>${a(service)}</con:endpoint>\n    </con:endpoints>\n` +
    operations +
    '  </con:interface>\n'
  );
}

function properties(values: ReadonlyArray<readonly [string, string]>): string {
  return (
    '  <con:properties>\n' +
    values.map(([name, value]) => `    <con:property>\n      <con:name>${a(name)}</con:name>\n      <con:value>${a(value)}</con:value>\n    </con:property>\n`).join('') +
    '  </con:properties>\n'
  );
}

/** The whole project file. */
export function renderSoapuiProject(baseUrl: string = DEFAULT_BASE_URL): string {
  const demo = loadDemoData();
  const medico = demo.users.find((u) => u.kind === 'medico' && u.codiceStruttura !== undefined)!;
  const operatore = demo.users.find((u) => u.kind === 'operatore')!;
  const P = PROJECT_PROPERTY;
  const testCases = TEST_CASES.map(
    (tc) =>
      `    <con:testCase failOnError="true" failTestCaseOnErrors="true" keepSession="false" name="${tc.name}" searchProperties="true">\n` +
      '      <con:settings/>\n' +
      tc.steps.map(testStep).join('') +
      '      <con:properties/>\n' +
      '    </con:testCase>\n',
  ).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<!-- Generated by \`sac-gateway soapui\` from the gateway's contract, diagnostics catalog and demo data: do not edit, regenerate. -->\n` +
    `<con:soapui-project name="${a(PROJECT_NAME)}" resourceRoot="" soapui-version="5.7.0" abortOnError="false" runType="SEQUENTIAL" xmlns:con="http://eviware.com/soapui/config">\n` +
    '  <con:settings/>\n' +
    interfaceXml(baseUrl) +
    `  <con:testSuite name="${TEST_SUITE_NAME}">\n` +
    '    <con:settings/>\n' +
    '    <con:runType>SEQUENTIAL</con:runType>\n' +
    testCases +
    '    <con:properties/>\n' +
    '  </con:testSuite>\n' +
    properties([
      [P.endpoint, `${baseUrl}${SERVICE_PATH}`],
      [P.username, medico.username],
      [P.password, medico.password],
      // Empty on purpose: the pincode encrypted with the gateway's own certificate (sac-gateway encrypt).
      [P.pincodeCifrato, ''],
      [P.usernameOperatore, operatore.username],
      [P.passwordOperatore, operatore.password],
      [P.lavoratore, demo.persons[0]!.codiceFiscale],
    ]) +
    '  <con:wssContainer/>\n' +
    '  <con:oAuth2ProfileContainer/>\n' +
    '  <con:sensitiveInformation/>\n' +
    '</con:soapui-project>\n'
  );
}

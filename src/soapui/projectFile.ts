/**
 * Reads a SoapUI 5 project file into plain data: project, suite and case
 * properties, the SOAPAction of every interface operation, and every test
 * step with its request, endpoint, credentials and assertions. A test step
 * of a type the replayer does not run is kept (and later fails), never
 * dropped.
 */
import { XmlDocument, XmlElement, type XmlNode } from 'libxml2-wasm';
import { GatewayError } from '../errors.js';

export const SOAPUI_NS = 'http://eviware.com/soapui/config';

/** The file is not a SoapUI project this replayer can read. */
export class SoapuiProjectError extends GatewayError {
  readonly name = 'SoapuiProjectError';
  readonly code = 'SAC_SOAPUI_PROJECT';
}

export type Properties = ReadonlyMap<string, string>;

export interface AssertionConfig {
  /** SoapUI's type id, e.g. "SOAP Fault Assertion" (labelled "Not SOAP Fault"). */
  readonly type: string;
  readonly name: string;
  /** Leaf values of con:configuration by element name (path, content, codes, token, ...). */
  readonly configuration: ReadonlyMap<string, string>;
  readonly disabled: boolean;
}

export interface RequestStep {
  readonly type: string;
  readonly name: string;
  readonly disabled: boolean;
  readonly interfaceName: string;
  readonly operation: string;
  readonly endpoint: string;
  readonly request: string;
  readonly encoding: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly assertions: readonly AssertionConfig[];
}

export interface TestCase {
  readonly name: string;
  readonly disabled: boolean;
  readonly failOnError: boolean;
  readonly properties: Properties;
  readonly steps: readonly RequestStep[];
}

export interface TestSuite {
  readonly name: string;
  readonly disabled: boolean;
  readonly properties: Properties;
  readonly testCases: readonly TestCase[];
}

export interface SoapuiProject {
  readonly name: string;
  readonly properties: Properties;
  /** "interface/operation" -> SOAPAction, and the interface's SOAP version. */
  readonly actions: ReadonlyMap<string, string>;
  readonly soapVersions: ReadonlyMap<string, string>;
  readonly testSuites: readonly TestSuite[];
}

function children(element: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (let n: XmlNode | null = element.firstChild; n; n = (n as XmlElement).next) {
    if (n instanceof XmlElement && n.name === name && n.namespaceUri === SOAPUI_NS) out.push(n);
  }
  return out;
}

function child(element: XmlElement, name: string): XmlElement | undefined {
  return children(element, name)[0];
}

function text(element: XmlElement, name: string): string | undefined {
  return child(element, name)?.content;
}

function attr(element: XmlElement, name: string): string | undefined {
  return element.attr(name)?.value;
}

function properties(element: XmlElement): Map<string, string> {
  const out = new Map<string, string>();
  const list = child(element, 'properties');
  if (list) for (const p of children(list, 'property')) out.set(text(p, 'name') ?? '', text(p, 'value') ?? '');
  return out;
}

function configuration(element: XmlElement): Map<string, string> {
  const out = new Map<string, string>();
  const config = child(element, 'configuration');
  if (!config) return out;
  // The assertion's settings are unqualified elements (path, content, codes, token, ...).
  for (let n: XmlNode | null = config.firstChild; n; n = (n as XmlElement).next) {
    if (n instanceof XmlElement) out.set(n.name, n.content);
  }
  return out;
}

function requestStep(step: XmlElement): RequestStep {
  const type = attr(step, 'type') ?? '';
  const name = attr(step, 'name') ?? '';
  const disabled = attr(step, 'disabled') === 'true';
  const config = child(step, 'config');
  const request = config ? child(config, 'request') : undefined;
  const credentials = request ? child(request, 'credentials') : undefined;
  return {
    type,
    name,
    disabled,
    interfaceName: (config && text(config, 'interface')) ?? '',
    operation: (config && text(config, 'operation')) ?? '',
    endpoint: (request && text(request, 'endpoint')) ?? '',
    request: (request && text(request, 'request')) ?? '',
    encoding: (request && text(request, 'encoding')) ?? 'UTF-8',
    username: credentials && text(credentials, 'username'),
    password: credentials && text(credentials, 'password'),
    assertions: (request ? children(request, 'assertion') : []).map((e) => ({
      type: attr(e, 'type') ?? '',
      name: attr(e, 'name') ?? attr(e, 'type') ?? '',
      configuration: configuration(e),
      disabled: attr(e, 'disabled') === 'true',
    })),
  };
}

/** Parse the project file's text. */
export function readSoapuiProject(xml: string): SoapuiProject {
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromString(xml);
  } catch (err) {
    throw new SoapuiProjectError(`not well-formed XML: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    const root = doc.root;
    if (root.name !== 'soapui-project' || root.namespaceUri !== SOAPUI_NS) {
      throw new SoapuiProjectError(`the root element is not con:soapui-project in ${SOAPUI_NS}`);
    }
    const actions = new Map<string, string>();
    const soapVersions = new Map<string, string>();
    for (const iface of children(root, 'interface')) {
      const ifaceName = attr(iface, 'name') ?? '';
      soapVersions.set(ifaceName, attr(iface, 'soapVersion') ?? '1_1');
      for (const op of children(iface, 'operation')) actions.set(`${ifaceName}/${attr(op, 'name') ?? ''}`, attr(op, 'action') ?? '');
    }
    return {
      name: attr(root, 'name') ?? '',
      properties: properties(root),
      actions,
      soapVersions,
      testSuites: children(root, 'testSuite').map((suite) => ({
        name: attr(suite, 'name') ?? '',
        disabled: attr(suite, 'disabled') === 'true',
        properties: properties(suite),
        testCases: children(suite, 'testCase').map((tc) => ({
          name: attr(tc, 'name') ?? '',
          disabled: attr(tc, 'disabled') === 'true',
          // SoapUI's default: a failed step aborts its test case.
          failOnError: attr(tc, 'failOnError') !== 'false',
          properties: properties(tc),
          steps: children(tc, 'testStep').map(requestStep),
        })),
      })),
    };
  } finally {
    doc.dispose();
  }
}

/**
 * Second-opinion XSD validation with Xerces (the JDK's javax.xml.validation), through the
 * npm package `xsd-schema-validator`. Each call starts a JVM (roughly 0.2-0.3 s), so callers
 * that validate many documents should run them concurrently.
 *
 * Requires `java` on the PATH (or JAVA_HOME). An invalid or malformed document never makes
 * this throw: it resolves to `{ valid: false, messages }`. It does throw when the validation
 * could not run at all (schema file missing, no Java, JVM failure without diagnostics).
 * A schema that exists but does not compile gives `valid: false` with a "[fatal]" message.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateXML } from 'xsd-schema-validator';

export interface XercesResult {
  valid: boolean;
  /** One entry per diagnostic, e.g. "[error] cvc-pattern-valid: ... (1:170)". */
  messages: string[];
}

/** The library may glue several stderr lines into one entry; split them back. */
function splitMessages(raw: readonly string[]): string[] {
  return raw
    .flatMap((m) => m.split(/(?=\[(?:warning|error|fatal)\] )/))
    .map((m) => m.trim())
    .filter((m) => m.length > 0);
}

/**
 * The document reaches Java as UTF-8 bytes on stdin; a string has already been decoded,
 * so an XML declaration naming another encoding would be wrong for those bytes.
 */
function declareUtf8(xml: string): string {
  return xml.replace(
    /^(\uFEFF?<\?xml[^?]*?\bencoding\s*=\s*)(["'])[^"']*\2/,
    (_all, head: string, quote: string) => `${head}${quote}UTF-8${quote}`,
  );
}

function toPath(xsdPath: string | URL): string {
  const p = xsdPath instanceof URL || xsdPath.startsWith('file:') ? fileURLToPath(xsdPath) : xsdPath;
  return isAbsolute(p) ? p : resolve(p);
}

export async function xercesValidate(xml: string, xsdPath: string | URL): Promise<XercesResult> {
  const schema = toPath(xsdPath);
  // A missing schema is a broken test setup, not an invalid document.
  if (!existsSync(schema)) throw new Error(`schema not found: ${schema}`);
  try {
    const result = await validateXML(declareUtf8(xml), schema);
    return { valid: result.valid, messages: splitMessages(result.messages) };
  } catch (err) {
    // On a validation failure the library rejects with an Error carrying valid/result/messages.
    const e = err as { valid?: unknown; messages?: unknown; result?: unknown };
    if (e && e.valid === false && Array.isArray(e.messages)) {
      const messages = splitMessages(e.messages as string[]);
      // Xerces always reports at least one diagnostic for a refused document; a failure
      // without any means the JVM or the helper class did not run properly.
      if (messages.length === 0) {
        throw new Error(`Xerces validation did not run (status ${String(e.result)})`, { cause: err });
      }
      return { valid: false, messages };
    }
    throw err;
  }
}

/**
 * The pictures of the printed copies in docs/images (allegato-A.png …
 * allegato-E.png, and a cancelled attestato), rendered from the real output:
 * the sample documents of test/support/printSamples.ts go through a real
 * gateway on a loopback port, each form is built from its store, printed to
 * PDF by src/print, and rasterised with poppler's pdftoppm.
 *
 *   npx tsc -p tsconfig.json && node dist/scripts/render-allegati.js [OUT_DIR]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { attestatoFrom, certificatoFrom, renderForm, ricoveroFrom, type PrintableForm } from '../src/print/index.js';
import { NO_RESUBMISSION_DETECTION, startGateway } from '../test/support/gateway.js';
import { sendSamples } from '../test/support/printSamples.js';

const out = path.resolve(process.argv[2] ?? 'docs/images');
mkdirSync(out, { recursive: true });
const work = mkdtempSync(path.join(tmpdir(), 'sac-allegati-'));
const gw = await startGateway(NO_RESUBMISSION_DETECTION);
try {
  const s = await sendSamples(gw);
  const registry = gw.gateway.store;
  const forms: Array<[string, PrintableForm]> = [
    ['allegato-A', await certificatoFrom(s.rettifica, registry)],
    ['allegato-B', await attestatoFrom(s.rettifica, registry)],
    ['allegato-C', await certificatoFrom(s.dimissione, registry)],
    ['allegato-D', await attestatoFrom(s.dimissione, registry)],
    ['allegato-E', await ricoveroFrom(s.ricovero, registry)],
    ['allegato-B-annullato', await attestatoFrom(s.annullato, registry)],
  ];
  for (const [name, form] of forms) {
    const pdf = path.join(work, `${name}.pdf`);
    writeFileSync(pdf, await renderForm(form));
    execFileSync('pdftoppm', ['-png', '-r', '60', '-singlefile', pdf, path.join(out, name)], { timeout: 60_000 });
    console.log(`${path.join(out, name)}.png`);
  }
} finally {
  await gw.stop();
  rmSync(work, { recursive: true, force: true });
}

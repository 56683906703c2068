/**
 * sac-gateway batch FILE.zip and batch - (issue 11, point 3): the real binary
 * against a real gateway and its SQLite file. An archive made as a vendor's
 * software would (the sample batch, a readme, a directory, macOS metadata)
 * and as a hostile one would (`..` and absolute names, a name twice, sizes
 * that lie or are huge, an encrypted entry, a truncated archive); resume
 * after a kill; a per-run inflate budget; standard input carrying an archive
 * or one XML request, spooled privately and left nowhere.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fill, lastByFile, readJsonl, runCli, SAMPLE, sampleFiles, stopBatchChildren } from './support/batchCli.js';
import { startGateway, tempDir, type Running } from './support/gateway.js';
import { zipArchive, type ZipItem } from './support/zipWriter.js';

const dirs: string[] = [];
after(() => {
  stopBatchChildren();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function workDir(): string {
  const dir = tempDir('sac-batchzip-');
  dirs.push(dir);
  return dir;
}

describe('sac-gateway batch FILE.zip and -', () => {
  let gw: Running;
  const certificates = () => gw.gateway.store.countCertificates();
  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    await gw.stop();
  });

  test('an archive: every .xml entry sent and labelled archive.zip!path; other entries reported as ignored; hostile names are only labels', async () => {
    const dir = workDir();
    const pem = gw.gateway.pincodeKey.certificatePem;
    const items: ZipItem[] = [];
    for (const [name, bytes] of sampleFiles(pem)) items.push({ name: `lotto/${name}`, data: bytes, method: name.startsWith('03') ? 0 : 8 });
    const template = readFileSync(path.join(SAMPLE, '02-invio-nudo.xml'), 'utf8');
    items.push(
      { name: 'lotto/', data: '' },
      { name: 'LEGGIMI.txt', data: 'istruzioni' },
      { name: '__MACOSX/lotto/._01-invio-busta.xml', data: Buffer.from([0, 5, 22, 7, 0, 2]) },
      { name: '../../fuori.xml', data: fill(template.replace('più tosse', 'tosse (nome ostile ..)'), pem) },
      { name: '/assoluto/è.xml', data: fill(template.replace('più tosse', 'tosse (nome assoluto)'), pem) },
      { name: 'lotto/04-ricerca.xml', data: sampleFiles(pem).get('04-ricerca.xml')! },
    );
    const zip = path.join(dir, 'lotto.zip');
    writeFileSync(zip, zipArchive(items));
    const before = await certificates();
    const run = await runCli(['batch', zip, '--url', gw.endpoint]);
    assert.equal(run.code, 5, run.stderr);
    const byFile = lastByFile(`${zip}.report.jsonl`);
    const outcome = (f: string) => byFile.get(`lotto.zip!${f}`)?.outcome;
    for (const f of ['lotto/01-invio-busta.xml', 'lotto/02-invio-nudo.xml', 'lotto/03-invio-latin1.xml', 'lotto/04-ricerca.xml', '../../fuori.xml', '/assoluto/è.xml']) {
      assert.equal(outcome(f), 'accepted', `${f}: ${JSON.stringify(byFile.get(`lotto.zip!${f}`))}`);
    }
    assert.equal(outcome('lotto/04-ricerca.xml#2'), 'accepted', 'a name met twice is a second file');
    assert.equal(outcome('lotto/05-invalido-datafine.xml'), 'refused');
    assert.equal(outcome('lotto/06-invalido-schema.xml'), 'refused');
    assert.equal(outcome('lotto/07-non-richiesta.xml'), 'invalid');
    assert.equal(outcome('LEGGIMI.txt'), 'ignored');
    assert.equal(outcome('__MACOSX/lotto/._01-invio-busta.xml'), 'ignored');
    assert.equal(byFile.size, 12, [...byFile.keys()].join(' '));
    assert.equal((await certificates()) - before, 5);
    // Nothing written under an entry's name, anywhere.
    assert.deepEqual(readdirSync(dir).sort(), ['lotto.zip', 'lotto.zip.report.csv', 'lotto.zip.report.jsonl']);
    assert.equal(existsSync(path.join(dir, '..', 'fuori.xml')) || existsSync(path.join(dir, '..', '..', 'fuori.xml')), false);
    const csv = readFileSync(`${zip}.report.csv`, 'utf8');
    assert.match(csv, /^lotto\.zip!LEGGIMI\.txt,,ignored,.*non è un file \.xml/m);
    assert.match(csv, /^lotto\.zip!\/assoluto\/è\.xml,InviaMalattia,accepted,\d+/m);
    // Run again: nothing is sent, the ignored entries are not listed again.
    const lines = readJsonl(`${zip}.report.jsonl`).length;
    const again = await runCli(['batch', zip, '--url', gw.endpoint]);
    assert.equal(again.code, 5, again.stderr);
    assert.match(again.stderr, /già risposti 11/);
    assert.equal(readJsonl(`${zip}.report.jsonl`).length - lines, 1, 'only the invalid entry is looked at again');
    assert.equal((await certificates()) - before, 5);
  });

  test('an archive killed mid-run and resumed: every entry answered once, each certificate created once', async () => {
    const dir = workDir();
    const pem = gw.gateway.pincodeKey.certificatePem;
    const template = readFileSync(path.join(SAMPLE, '02-invio-nudo.xml'), 'utf8');
    const N = 400;
    const items: ZipItem[] = [];
    for (let i = 0; i < N; i++) items.push({ name: `cartella/r${String(i).padStart(4, '0')}.xml`, data: fill(template.replace('più tosse', `zip ${i}`), pem) });
    const zip = path.join(dir, 'grande.zip');
    writeFileSync(zip, zipArchive(items));
    const before = await certificates();
    const journal = `${zip}.report.jsonl`;
    const first = await runCli(['batch', zip, '--url', gw.endpoint, '--concurrency', '8'], {
      killWhen: () => existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 150,
    });
    assert.equal(first.signal, 'SIGKILL');
    const answeredFirst = lastByFile(journal).size;
    assert.ok(answeredFirst > 0 && answeredFirst < N, `killed after ${answeredFirst} answers`);
    const second = await runCli(['batch', zip, '--url', gw.endpoint, '--concurrency', '8']);
    // Seen twice under heavy load (four builds on two cores): exit 5, an entry of the first run not
    // accepted. Name those entries, so the next failure says which answer it was.
    const notAccepted = readJsonl(journal).filter((e) => e.outcome !== 'accepted' && e.outcome !== 'sending');
    assert.equal(second.code, 0, `${second.stderr}\nnot accepted: ${JSON.stringify(notAccepted).slice(0, 2000)}`);
    const byFile = lastByFile(journal);
    assert.equal(byFile.size, N);
    const accepted = [...byFile.values()].filter((e) => e.outcome === 'accepted');
    assert.equal(accepted.length, N);
    assert.equal(new Set(accepted.map((e) => e.puc)).size, N, 'one PUC per entry');
    assert.equal((await certificates()) - before, N, 'each certificate created once');
    assert.ok([...byFile.keys()].every((k) => k.startsWith('grande.zip!cartella/r')));
  });

  test('a hostile archive gets bounded work: sizes that lie, a huge declared size, an encrypted entry, a per-run inflate budget, a truncated archive', async () => {
    const dir = workDir();
    const pem = gw.gateway.pincodeKey.certificatePem;
    const good = fill(readFileSync(path.join(SAMPLE, '02-invio-nudo.xml'), 'utf8'), pem);
    // 700 KiB of request: a valid one, padded inside a comment (compresses to almost nothing).
    const padded = (i: number) => good.replace('più tosse', `tosse ${i} (grande)`).replace('</cert:invioMalattiaRequest>', `<!--${' '.repeat(700 * 1024)}--></cert:invioMalattiaRequest>`);
    assert.ok(padded(0).length > 700 * 1024);
    const zip = path.join(dir, 'ostile.zip');
    writeFileSync(
      zip,
      zipArchive([
        { name: 'bugiarda.xml', data: Buffer.alloc(8 * 1024 * 1024, 0x20), declaredSize: 1000 },
        { name: 'enorme.xml', data: '<a/>', declaredSize: 3_000_000_000 },
        { name: 'cifrata.xml', data: good, encrypted: true },
        { name: 'grande-1.xml', data: padded(1) },
        { name: 'grande-2.xml', data: padded(2) },
      ]),
    );
    const run = await runCli(['batch', zip, '--url', gw.endpoint, '--max-unzipped-mb', '1']);
    assert.equal(run.code, 6, `a file left for the next run: ${run.stderr}`);
    const byFile = lastByFile(`${zip}.report.jsonl`);
    const e = (f: string) => byFile.get(`ostile.zip!${f}`)!;
    assert.equal(e('bugiarda.xml').outcome, 'invalid');
    assert.match(String(e('bugiarda.xml').reason), /voce non leggibile|lettura non riuscita/);
    assert.equal(e('enorme.xml').outcome, 'invalid');
    assert.match(String(e('enorme.xml').reason), /3000000000 byte dichiarati/);
    assert.equal(e('cifrata.xml').outcome, 'invalid');
    assert.match(String(e('cifrata.xml').reason), /cifrata/);
    assert.notEqual(e('grande-1.xml').outcome, 'failed', JSON.stringify(e('grande-1.xml')));
    assert.equal(e('grande-2.xml').outcome, 'failed');
    assert.match(String(e('grande-2.xml').reason), /limite di 1048576 byte decompressi/);
    // The next run has its own budget: the entry left behind is sent.
    const next = await runCli(['batch', zip, '--url', gw.endpoint, '--max-unzipped-mb', '1']);
    assert.notEqual(lastByFile(`${zip}.report.jsonl`).get('ostile.zip!grande-2.xml')!.outcome, 'failed', next.stderr);

    // Truncated: the central directory is gone. One clear line, exit 7, no stack trace.
    const bytes = readFileSync(zip);
    const cut = path.join(dir, 'tagliato.zip');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const broken = await runCli(['batch', cut, '--url', gw.endpoint]);
    assert.equal(broken.code, 7, broken.stderr);
    assert.match(broken.stderr, /^sac-gateway batch: archivio zip non leggibile: /m);
    assert.doesNotMatch(broken.stderr, /\n\s+at /);
  });

  test("'-': standard input carries an archive (spooled privately, left nowhere) or one XML request; the same bytes again resume", async () => {
    const dir = workDir();
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    const pem = gw.gateway.pincodeKey.certificatePem;
    const template = readFileSync(path.join(SAMPLE, '02-invio-nudo.xml'), 'utf8');
    const zip = zipArchive([
      { name: 'a.xml', data: fill(template.replace('più tosse', 'stdin a'), pem) },
      { name: 'b.xml', data: fill(template.replace('più tosse', 'stdin b'), pem) },
      { name: 'nota.txt', data: 'x' },
    ]);
    const before = await certificates();
    const env = { TMPDIR: tmp };
    const run = await runCli(['batch', '-', '--url', gw.endpoint], { stdin: zip, cwd: dir, env });
    assert.equal(run.code, 0, run.stderr);
    const journal = path.join(dir, 'stdin.report.jsonl');
    const byFile = lastByFile(journal);
    const keys = [...byFile.keys()].sort();
    assert.equal(keys.length, 3);
    assert.match(keys[0]!, /^stdin-[0-9a-f]{12}\.zip!a\.xml$/);
    assert.equal(byFile.get(keys[0]!)!.outcome, 'accepted');
    assert.equal(byFile.get(keys[1]!)!.outcome, 'accepted');
    assert.equal(byFile.get(keys[2]!)!.outcome, 'ignored');
    assert.deepEqual(readdirSync(tmp), [], 'the spooled archive is gone');
    assert.equal((await certificates()) - before, 2);
    // The same bytes again: nothing sent.
    const again = await runCli(['batch', '-', '--url', gw.endpoint], { stdin: zip, cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /già risposti 3/);
    // One XML request on stdin (ISO-8859-1, as the sample's).
    const latin = Buffer.from(sampleFiles(pem).get('03-invio-latin1.xml')!.toString('latin1').replace('<noteDiagnosi>', '<noteDiagnosi>Da stdin: '), 'latin1');
    const one = await runCli(['batch', '-', '--url', gw.endpoint], { stdin: latin, cwd: dir, env });
    assert.equal(one.code, 0, one.stderr);
    const xmlKey = [...lastByFile(journal).keys()].find((k) => k.endsWith('.xml') && !k.includes('!'));
    assert.match(xmlKey!, /^stdin-[0-9a-f]{12}\.xml$/);
    assert.equal(lastByFile(journal).get(xmlKey!)!.outcome, 'accepted');
    assert.equal((await certificates()) - before, 3);
    // One XML file named on the command line: the same as one on stdin, named by its file name.
    const single = path.join(dir, 'singolo.xml');
    writeFileSync(single, fill(template.replace('più tosse', 'file singolo'), pem));
    const file = await runCli(['batch', single, '--url', gw.endpoint]);
    assert.equal(file.code, 0, file.stderr);
    assert.deepEqual([...lastByFile(`${single}.report.jsonl`).entries()].map(([k, v]) => [k, v.outcome]), [['singolo.xml', 'accepted']]);
    assert.equal((await certificates()) - before, 4);
    // --dry-run reads standard input too.
    const dry = await runCli(['batch', '-', '--dry-run', '--report', path.join(dir, 'prova')], { stdin: zip, cwd: dir, env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /file 3: validi 2, rifiutati dallo schema 0, non utilizzabili 0, ignorati 1/);
  });
});

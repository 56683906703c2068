/**
 * sac-gateway batch (issue 11, point 3): the real binary in a child process
 * against a real gateway on a loopback port and its real SQLite file.
 * The sample batch (envelopes and bare payloads, UTF-8 and ISO-8859-1, valid
 * and invalid) gives a report with PUCs and tipoErrore/sezioneErrata; a
 * three thousand files with a tenth invalid, killed mid-run and resumed, create
 * each certificate exactly once (checked in the store); a front that answers
 * 503 with Retry-After for a while is retried until the gateway answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { addDays } from '../src/domain/dates.js';
import { CLI, copySample, fill, lastByFile, readJsonl, runCli, SAMPLE, stopBatchChildren, today } from './support/batchCli.js';
import { startGateway, tempDir, type Running } from './support/gateway.js';

const dirs: string[] = [];
after(() => {
  stopBatchChildren();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('sac-gateway batch', () => {
  let gw: Running;
  before(async () => {
    gw = await startGateway();
  });
  after(async () => gw.stop());

  test('the sample batch: envelopes and bare payloads, UTF-8 and ISO-8859-1, a report with PUCs and every tipoErrore', async () => {
    const dir = tempDir('sac-batch-');
    dirs.push(dir);
    const folder = path.join(dir, 'lotto');
    mkdirSync(folder);
    copySample(folder, gw.gateway.pincodeKey.certificatePem);
    const run = await runCli(['batch', folder, '--url', gw.endpoint]);
    assert.equal(run.code, 5, run.stderr);
    const byFile = lastByFile(`${folder}.report.jsonl`);
    assert.equal(byFile.size, 7);
    for (const f of ['01-invio-busta.xml', '02-invio-nudo.xml', '03-invio-latin1.xml']) {
      assert.equal(byFile.get(f)!.outcome, 'accepted', JSON.stringify(byFile.get(f)));
      assert.match(String(byFile.get(f)!.puc), /^\d+$/);
      assert.equal(byFile.get(f)!.operation, 'InviaMalattia');
    }
    assert.equal(byFile.get('04-ricerca.xml')!.outcome, 'accepted');
    assert.equal(byFile.get('04-ricerca.xml')!.operation, 'RicercaMalattia');
    const refused = byFile.get('05-invalido-datafine.xml')!;
    assert.equal(refused.outcome, 'refused');
    const errors = refused.errors as Array<{ tipoErrore: string; sezioneErrata: string }>;
    assert.ok(errors.length >= 1 && errors.every((e) => /^\d+$/.test(e.tipoErrore) && e.sezioneErrata !== ''), JSON.stringify(errors));
    assert.equal(byFile.get('06-invalido-schema.xml')!.outcome, 'refused');
    assert.equal(byFile.get('07-non-richiesta.xml')!.outcome, 'invalid');
    // The Latin-1 text arrived as sent.
    assert.equal(await gw.gateway.store.countCertificates(), 3);
    const csv = readFileSync(`${folder}.report.csv`, 'utf8').trim().split('\n');
    assert.equal(csv.length, 8);
    assert.match(csv.find((l) => l.startsWith('05-'))!, /,refused,.*\d+:\S+/);
    // A second run sends nothing: everything was answered.
    const again = await runCli(['batch', folder, '--url', gw.endpoint]);
    assert.equal(readJsonl(`${folder}.report.jsonl`).filter((e) => e.outcome === 'sending').length, 6);
    assert.match(again.stderr, /già risposti 6/);
    assert.equal(again.code, 5, 'a resumed run still says not all was accepted');
  });

  test('--dry-run: every file checked against the contract schema here, nothing sent, no credentials needed', async () => {
    const dir = tempDir('sac-batch-');
    dirs.push(dir);
    const folder = path.join(dir, 'prova');
    mkdirSync(folder);
    copySample(folder, gw.gateway.pincodeKey.certificatePem);
    writeFileSync(path.join(folder, '08-rotto.xml'), '<cert:invioMalattiaRequest xmlns:cert="http://cert.sanita.finanze.it/"><medico>');
    const certificates = await gw.gateway.store.countCertificates();
    const run = await runCli(['batch', folder, '--dry-run'], { env: { SAC_USERNAME: '', SAC_PASSWORD: '' } });
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stdout, /file 8: validi 5, rifiutati dallo schema 1, non utilizzabili 2/);
    const rows = new Map(
      readFileSync(`${folder}.report.dry-run.csv`, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => [l.split(',')[0]!, l] as const),
    );
    assert.equal(rows.size, 8);
    // A wrong date is a business rule: the schema passes it, the gateway would refuse it.
    for (const f of ['01-invio-busta.xml', '02-invio-nudo.xml', '03-invio-latin1.xml', '04-ricerca.xml', '05-invalido-datafine.xml']) assert.match(rows.get(f)!, /,valid,/, f);
    assert.match(rows.get('06-invalido-schema.xml')!, /^06-invalido-schema\.xml,InviaMalattia,refused,1001:\S+/);
    assert.match(rows.get('07-non-richiesta.xml')!, /,invalid,/);
    assert.match(rows.get('08-rotto.xml')!, /,InviaMalattia,invalid,,.*riga/);
    assert.equal(await gw.gateway.store.countCertificates(), certificates, 'nothing sent');
    assert.equal(existsSync(`${folder}.report.jsonl`), false, 'no journal a real run would resume from');
  });

  test('credentials never from argv: none given is a usage error (2); --help runs nothing', async () => {
    const run = await runCli(['batch', '/nonexistent', '--url', gw.endpoint], { env: { SAC_USERNAME: '', SAC_PASSWORD: '' } });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /SAC_USERNAME/);
    const help = await runCli(['batch', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: sac-gateway batch/);
  });

  test('three thousand files, a tenth invalid, killed mid-run and resumed: every file answered once, each certificate created once', async () => {
    const dir = tempDir('sac-batch-');
    dirs.push(dir);
    const folder = path.join(dir, 'mille');
    mkdirSync(folder);
    const pem = gw.gateway.pincodeKey.certificatePem;
    const template = readFileSync(path.join(SAMPLE, '02-invio-nudo.xml'), 'utf8');
    const N = 3000;
    for (let i = 0; i < N; i++) {
      const text = fill(template.replace('Sindrome influenzale, più tosse', `Visita numero ${i}`), pem);
      writeFileSync(path.join(folder, `r${String(i).padStart(4, '0')}.xml`), i % 10 === 0 ? text.replace(`<dataFine>${addDays(today, 3)}`, `<dataFine>${addDays(today, -1)}`) : text);
    }
    const count = () => gw.gateway.store.countCertificates();
    const before = await count();
    const journal = `${folder}.report.jsonl`;
    const first = await runCli(['batch', folder, '--url', gw.endpoint, '--concurrency', '8'], {
      killWhen: () => existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 1200,
    });
    assert.equal(first.signal, 'SIGKILL', 'the run was killed mid-way');
    const answeredFirst = lastByFile(journal).size;
    assert.ok(answeredFirst > 0 && answeredFirst < N, `killed after ${answeredFirst} answers`);
    const second = await runCli(['batch', folder, '--url', gw.endpoint, '--concurrency', '8']);
    assert.equal(second.code, 5, second.stderr);
    const byFile = lastByFile(journal);
    assert.equal(byFile.size, N);
    const accepted = [...byFile.values()].filter((e) => e.outcome === 'accepted');
    // On a failure, the first answers that were neither (what the batch recorded for them).
    const others = [...byFile.values()].filter((e) => e.outcome !== 'accepted' && e.outcome !== 'refused').slice(0, 5);
    const refusedErrors = [...byFile.values()].filter((e) => e.outcome === 'refused').map((e) => JSON.stringify(e.errors));
    assert.equal(accepted.length, N - N / 10, `refused ${refusedErrors.length} (${[...new Set(refusedErrors)].join(' | ')}); neither accepted nor refused: ${JSON.stringify(others)}`);
    assert.equal([...byFile.values()].filter((e) => e.outcome === 'refused').length, N / 10);
    assert.equal(new Set(accepted.map((e) => e.puc)).size, accepted.length, 'one PUC per file');
    assert.equal((await count()) - before, N - N / 10, 'each certificate created once in the store');
    // Nothing answered in the first run was sent again.
    const sends = new Map<string, number>();
    for (const e of readJsonl(journal)) if (e.outcome === 'sending') sends.set(e.file as string, (sends.get(e.file as string) ?? 0) + 1);
    const twice = [...sends.values()].filter((n) => n > 1).length;
    assert.ok(twice <= 8, `only the files in flight at the kill were sent twice (${twice})`);
  });

  test('a front answering 503 with Retry-After for a while: retried until the gateway answers', async () => {
    let refusals = 6;
    const target = new URL(gw.endpoint);
    const front = http.createServer((req, res) => {
      if (refusals > 0) {
        refusals--;
        req.resume();
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('occupato');
        return;
      }
      const up = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    try {
      const dir = tempDir('sac-batch-');
      dirs.push(dir);
      const folder = path.join(dir, 'occupato');
      mkdirSync(folder);
      const pem = gw.gateway.pincodeKey.certificatePem;
      const template = readFileSync(path.join(SAMPLE, '02-invio-nudo.xml'), 'utf8');
      for (let i = 0; i < 3; i++) writeFileSync(path.join(folder, `${i}.xml`), fill(template.replace('più tosse', `tosse ${i} (503)`), pem));
      const port = (front.address() as { port: number }).port;
      const started = Date.now();
      const run = await runCli(['batch', folder, '--url', `http://127.0.0.1:${port}${target.pathname}`, '--concurrency', '2', '--progress-interval', '1']);
      assert.equal(run.code, 0, run.stderr);
      // Off a terminal: plain periodic lines (one a second here, and the last one), never a redrawn bar.
      const lines = run.stderr.split('\n').filter((l) => /^\d+\/≥?\d+ \d+\.\d\/s ETA \S+ accettati \d+ rifiutati \d+ fault \d+ falliti \d+/.test(l));
      assert.ok(lines.length >= 2, run.stderr);
      assert.ok(!run.stderr.includes('\r') && !run.stderr.includes('\x1b'), 'no terminal control codes');
      assert.match(lines.at(-1)!, /^3\/3 .* accettati 3 .* ritentativi [6-9]/);
      assert.equal(refusals, 0);
      const byFile = lastByFile(`${folder}.report.jsonl`);
      assert.ok([...byFile.values()].every((e) => e.outcome === 'accepted'));
      assert.ok([...byFile.values()].reduce((n, e) => n + Number(e.attempts) - 1, 0) >= 6, 'the 503s were retried');
      assert.ok(Date.now() - started >= 1000, 'Retry-After was honoured');
    } finally {
      front.closeAllConnections();
      await new Promise((r) => front.close(r));
    }
  });

  /**
   * `files` samples sent by the real binary on a pseudo-terminal `cols` columns wide
   * (util-linux script; its own terminal has no size, which reads as 80): each bar
   * draw, without the escape codes that frame it, and all the terminal showed.
   */
  async function onTerminal(name: string, files: number, cols: number): Promise<{ draws: string[]; out: string }> {
    const dir = tempDir('sac-batch-');
    dirs.push(dir);
    const folder = path.join(dir, name);
    mkdirSync(folder);
    const pem = gw.gateway.pincodeKey.certificatePem;
    const template = readFileSync(path.join(SAMPLE, '02-invio-nudo.xml'), 'utf8');
    for (let i = 0; i < files; i++) writeFileSync(path.join(folder, `t${i}.xml`), fill(template.replace('più tosse', `tosse ${i} (${name})`), pem));
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, CLI, 'batch', folder, '--url', gw.endpoint, '--concurrency', '1'].map(quote).join(' ');
    const run = await runCli([], { command: { file: '/usr/bin/script', args: ['-qec', `stty cols ${cols}; ${command}`, '/dev/null'] } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const out = run.stdout;
    // Each draw goes back to the line's first column (CSI 1 G) and clears what is right of it (CSI 0 K).
    const draws = out.split('\x1b[1G').slice(1).map((d) => d.replace(/\x1b\[0K[^]*$/, ''));
    assert.ok(draws.length >= 2, `redrawn in place (${draws.length} draws): ${JSON.stringify(out.slice(0, 400))}`);
    return { draws, out };
  }

  // CI (Debian) always has it: util-linux's script is in bsdutils, an essential package.
  const NO_SCRIPT = existsSync('/usr/bin/script') ? false : 'no /usr/bin/script here: apt-get install bsdutils';

  test('on a terminal (a real pseudo-terminal, util-linux script): one bar redrawn in place with done/total, rate, ETA and the counts', { skip: NO_SCRIPT }, async () => {
    const { draws, out } = await onTerminal('terminale', 300, 200);
    for (const d of draws) assert.match(d, /^\[[#.]{20}\] \d+\/≥?\d+ \d+\.\d\/s ETA \S+ accettati \d+ rifiutati 0 fault 0 falliti 0 non validi 0/);
    assert.match(draws.at(-1)!, /^\[#{20}\] 300\/300 \d+\.\d\/s ETA - accettati 300 /, 'the last draw: all done, the counted total');
    // The total is the folder's count, not the files met so far: mid-run, 300 already, with an ETA.
    assert.ok(
      draws.some((d) => {
        const m = /^\[[#.]{20}\] (\d+)\/300 \S+ ETA (\d+s|\d+m\d\ds) /.exec(d);
        return m !== null && Number(m[1]) < 250;
      }),
      'an ETA against the counted total',
    );
    assert.ok(!/\n\d+\/\d+ /.test(out), 'no plain progress lines on a terminal');
  });

  test('on a narrow terminal the bar is cut to its width: a draw never wraps onto a second line', { skip: NO_SCRIPT }, async () => {
    const { draws } = await onTerminal('stretto', 20, 50);
    for (const d of draws) assert.ok(d.length <= 50 && d.startsWith('[') && !d.includes('\n'), JSON.stringify(d));
    assert.match(draws.at(-1)!, /^\[#{20}\] 20\/20 /);
  });
});

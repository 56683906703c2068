/**
 * UTF-8 and ISO-8859-1 requests: accented letters in via, comune and
 * noteDiagnosi are stored exactly and returned exactly (RistampaMalattia),
 * whichever encoding they came in and wherever it was declared.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { DEMO, parseResponse, post } from './support/soapClient.js';
import { NOW, TODAY, pinnedGateway } from './support/demo.js';
import type { Running } from './support/gateway.js';
import { envelope, invioMalattia } from './support/requests.js';

const VIA = 'Via Giosuè Carducci à Forlì';
const COMUNE = 'Forlì';
const NOTE = 'Febbre, astenìa; è più forte la sera (così riferisce)';

let gw: Running;
let pin: string;

before(async () => {
  ({ gw, pin } = await pinnedGateway(NOW));
});
after(async () => gw.stop());

function request(encoding: string, declaration = true): string {
  return envelope(
    'invioMalattiaRequest',
    invioMalattia(TODAY, {
      medico: { pincode: pin },
      residenza: { via: VIA, civico: '5', cap: '47121', codiceCatastale: 'D704', comune: COMUNE, provincia: 'FC' },
      reperibilita: { cognome: 'Rossi', indirizzo: { via: 'Piazza Aurelio Saffi è', civico: 'SNC', cap: '47121', comune: COMUNE, provincia: 'FC' } },
      diagnosi: { noteDiagnosi: NOTE },
    }),
    { encoding, declaration },
  );
}

async function sendAndReprint(body: Buffer, contentType: string): Promise<void> {
  const sent = parseResponse(await post(gw.endpoint, body, { contentType }));
  assert.deepEqual(sent.errors, []);
  const id = sent.ok.idCertificato!;

  const stored = await gw.gateway.store.getCertificate(id);
  assert.equal(stored?.document.residenza.via, VIA);
  assert.equal(stored?.document.residenza.comune, COMUNE);
  assert.equal(stored?.document.reperibilita?.indirizzo?.via, 'Piazza Aurelio Saffi è');
  assert.equal(stored?.document.malattia?.diagnosi.noteDiagnosi, NOTE);

  const reprint = parseResponse(
    await post(
      gw.endpoint,
      envelope('ristampaMalattiaRequest', { medico: { pincode: pin }, lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' }, idCertificato: id }),
    ),
  );
  assert.deepEqual(reprint.errors, []);
  assert.equal(reprint.ok['residenza/via'], VIA);
  assert.equal(reprint.ok['residenza/comune'], COMUNE);
  assert.equal(reprint.ok['reperibilita/indirizzo/comune'], COMUNE);
  assert.equal(reprint.ok['malattia/diagnosi/noteDiagnosi'], NOTE);
  assert.equal(reprint.ok['lavoratore/cognome'], 'Rossi');
  // The response is UTF-8 on the wire whatever the request was.
  assert.ok(reprint.xml.includes(VIA));
}

describe('charsets in, UTF-8 out', () => {
  test('UTF-8 declared in Content-Type and XML declaration', async () => {
    await sendAndReprint(Buffer.from(request('UTF-8'), 'utf8'), 'text/xml; charset=utf-8');
  });

  test('UTF-8 by default, with a byte order mark and no declaration', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(request('UTF-8', false), 'utf8')]);
    await sendAndReprint(body, 'text/xml');
  });

  test('ISO-8859-1 declared only in the XML declaration', async () => {
    const body = Buffer.from(request('ISO-8859-1'), 'latin1');
    assert.equal(body.indexOf(Buffer.from('è', 'utf8')), -1, 'the body really is Latin-1');
    await sendAndReprint(body, 'text/xml');
  });

  test('ISO-8859-1 declared only in the Content-Type', async () => {
    await sendAndReprint(Buffer.from(request('ISO-8859-1', false), 'latin1'), 'text/xml; charset=ISO-8859-1');
  });

  test('ISO-8859-1 declared in both, with an alias spelling', async () => {
    await sendAndReprint(Buffer.from(request('ISO-8859-1'), 'latin1'), 'text/xml; charset="latin1"');
  });
});

describe('RistampaMalattia', () => {
  test('another doctor, or the wrong worker, gets the same not-found answer', async () => {
    const sent = parseResponse(await post(gw.endpoint, Buffer.from(request('UTF-8'), 'utf8')));
    const id = sent.ok.idCertificato!;
    const pin2 = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico2.pincode);
    const other = parseResponse(
      await post(
        gw.endpoint,
        envelope('ristampaMalattiaRequest', { medico: { pincode: pin2 }, lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' }, idCertificato: id }),
        { auth: `Basic ${Buffer.from(`${DEMO.medico2.user}:${DEMO.medico2.password}`).toString('base64')}` },
      ),
    );
    assert.deepEqual(other.errors.map((e) => e.tipoErrore), ['7001']);
    assert.equal(other.ok['malattia/diagnosi/noteDiagnosi'], undefined);
    const wrongWorker = parseResponse(
      await post(
        gw.endpoint,
        envelope('ristampaMalattiaRequest', { medico: { pincode: pin }, lavoratore: { codiceFiscale: 'BNCGPP75C41F205S' }, idCertificato: id }),
      ),
    );
    assert.deepEqual(wrongWorker.errors.map((e) => e.tipoErrore), ['7001']);
    const missing = parseResponse(
      await post(
        gw.endpoint,
        envelope('ristampaMalattiaRequest', { medico: { pincode: pin }, lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' }, idCertificato: '123' }),
      ),
    );
    assert.deepEqual(missing.errors.map((e) => e.tipoErrore), ['7001']);
  });
});

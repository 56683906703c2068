import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  constants,
  createPrivateKey,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  scryptSync,
  X509Certificate,
} from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { inspect } from 'node:util';

import { createSelfSignedCertificate } from '../src/auth/x509.js';
import { ciphertextChars, loadOrCreatePincodeKey, type PincodeKey } from '../src/auth/pincodeKey.js';
import {
  CiphertextFormatError,
  decryptField,
  encryptField,
  looksEncrypted,
} from '../src/auth/pincodeCipher.js';
import { hashSecret, needsRehash, VerdictCache, verifySecret, verifySecretAsync } from '../src/auth/passwords.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sac-auth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Keys are slow-ish to generate: share one of each size across tests.
const sharedDir = mkdtempSync(join(tmpdir(), 'sac-auth-shared-'));
process.on('exit', () => rmSync(sharedDir, { recursive: true, force: true }));
const key1024 = loadOrCreatePincodeKey(join(sharedDir, 'k1024'));
const key2048 = loadOrCreatePincodeKey(join(sharedDir, 'k2048'), 2048);

/** Encrypt a hand-made encoded block EM (k bytes) with no padding, like an attacker could. */
function rawEncrypt(key: PincodeKey, em: Buffer): string {
  return publicEncrypt({ key: key.privateKey, padding: constants.RSA_NO_PADDING }, em).toString('base64');
}

/** A well-formed EM = 00 02 PS(psLen non-zero bytes) 00 M, k bytes long. */
function encodedBlock(k: number, message: Buffer, psLen = k - 3 - message.length): Buffer {
  const em = Buffer.alloc(k);
  em[1] = 2;
  for (let i = 0; i < psLen; i++) em[2 + i] = 1 + (i % 255);
  message.copy(em, 3 + psLen);
  return em;
}

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

// ---------------------------------------------------------------- cipher

test('round trip with 1024- and 2048-bit keys; Base64 length 172 vs 344', () => {
  for (const [key, chars] of [
    [key1024, 172],
    [key2048, 344],
  ] as const) {
    assert.equal(key.maxCiphertextChars, chars);
    assert.equal(ciphertextChars(key.bits), chars);
    for (const pin of ['12345678', '', 'x'.repeat(key.bits / 8 - 11), 'àèìòù€']) {
      const c = encryptField(key.certificatePem, pin);
      assert.equal(c.length, chars);
      assert.equal(decryptField(key, c).toString('utf8'), pin);
    }
    // DER certificate and KeyObject inputs work too.
    assert.equal(decryptField(key, encryptField(key.certificateDer, 'abc')).toString(), 'abc');
    assert.equal(decryptField(key, encryptField(key.privateKey, 'abc')).toString(), 'abc');
    assert.throws(() => encryptField(key.certificatePem, 'x'.repeat(key.bits / 8 - 10)), RangeError);
  }
  assert.ok(172 <= 200 && 344 > 200, 'only the 1024-bit ciphertext fits xsd maxLength 200');
});

test('Base64 wrapped over several lines (SOAP toolkits) still decrypts', () => {
  const c = encryptField(key1024.certificatePem, '1234');
  const wrapped = c.replace(/(.{64})/g, '$1\r\n') + '\n';
  assert.equal(decryptField(key1024, wrapped).toString(), '1234');
});

test('openssl CLI encryption with the published certificate decrypts', { skip: !hasOpenssl && 'openssl not installed' }, (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'SanitelCF.cer'), key1024.certificateDer);
  writeFileSync(join(dir, 'SanitelCF.pem'), key1024.certificatePem);
  const run = (cmd: string, input: string): string => {
    const r = spawnSync('sh', ['-c', cmd], { cwd: dir, input, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  // Exactly the commands given to vendors in the README.
  run('openssl x509 -inform DER -in SanitelCF.cer -pubkey -noout > sac-pub.pem', '');
  const c1 = run(
    'openssl pkeyutl -encrypt -pubin -inkey sac-pub.pem -pkeyopt rsa_padding_mode:pkcs1 | openssl base64 -A',
    '12345678',
  );
  assert.equal(c1.length, 172);
  assert.equal(decryptField(key1024, c1).toString(), '12345678');
  // One-step variant straight from the PEM certificate.
  const c2 = run(
    'openssl pkeyutl -encrypt -certin -inkey SanitelCF.pem -pkeyopt rsa_padding_mode:pkcs1 | openssl base64 -A',
    'RSSMRA80A01H501U',
  );
  assert.equal(decryptField(key1024, c2).toString(), 'RSSMRA80A01H501U');
  assert.ok(looksEncrypted(key1024, c2));
});

test('hand-made blocks: valid padding accepted, minimal PS of 8 bytes accepted', () => {
  const k = 128;
  const msg = Buffer.from('4321');
  assert.equal(decryptField(key1024, rawEncrypt(key1024, encodedBlock(k, msg))).toString(), '4321');
  // 8 padding bytes is the minimum: the longest message a 1024-bit key takes (117 bytes).
  const long = randomBytes(k - 11);
  assert.deepEqual(decryptField(key1024, rawEncrypt(key1024, encodedBlock(k, long, 8))), long);
});

test('corrupted padding: no throw, deterministic, not the plaintext', () => {
  const k = 128;
  const msg = Buffer.from('12345678');
  const corruptions: Array<[string, Buffer]> = [];
  const wrongType = encodedBlock(k, msg);
  wrongType[1] = 1;
  corruptions.push(['block type 01', wrongType]);
  const noSeparator = encodedBlock(k, msg);
  noSeparator.fill(0x55, 2);
  corruptions.push(['no 00 separator', noSeparator]);
  const shortPs = encodedBlock(k, Buffer.alloc(k - 3 - 7, 0x41), 7);
  corruptions.push(['only 7 padding bytes', shortPs]);
  const firstByte = encodedBlock(k, msg);
  firstByte[0] = 0; // still < n
  firstByte[1] = 0;
  corruptions.push(['00 00 header', firstByte]);

  const outputs = new Set<string>();
  for (const [label, em] of corruptions) {
    const c = rawEncrypt(key1024, em);
    const a = decryptField(key1024, c);
    const b = decryptField(key1024, c);
    assert.deepEqual(a, b, `${label}: same input, same output`);
    assert.notDeepEqual(a, msg, `${label}: must not return the plaintext`);
    assert.ok(a.length <= k - 11, `${label}: length within the message range`);
    outputs.add(a.toString('hex'));
  }
  assert.equal(outputs.size, corruptions.length, 'different ciphertexts, different synthetic messages');

  // A real ciphertext with one byte flipped decrypts to noise: still no throw, still deterministic.
  const real = Buffer.from(encryptField(key1024.certificatePem, '12345678'), 'base64');
  real[64] = real[64]! ^ 0x01;
  const flipped = real.toString('base64');
  assert.deepEqual(decryptField(key1024, flipped), decryptField(key1024, flipped));
  assert.notEqual(decryptField(key1024, flipped).toString(), '12345678');
});

test('random garbage of the correct length never throws', () => {
  for (const key of [key1024, key2048]) {
    const k = key.bits / 8;
    for (let i = 0; i < 300; i++) {
      // Includes values >= n (top byte 0xff): implicitly rejected as well.
      const c = randomBytes(k);
      if (i % 3 === 0) c[0] = 0xff;
      const out = decryptField(key, c.toString('base64'));
      assert.ok(out.length <= k - 11);
    }
  }
});

test('publicly malformed input is the only error', () => {
  assert.throws(() => decryptField(key1024, 'not base64!'), CiphertextFormatError);
  assert.throws(() => decryptField(key1024, ''), CiphertextFormatError);
  assert.throws(() => decryptField(key1024, randomBytes(127).toString('base64')), CiphertextFormatError);
  // A 2048-bit ciphertext sent to the 1024-bit key: wrong length, clear message.
  const c2048 = encryptField(key2048.certificatePem, '1');
  assert.throws(() => decryptField(key1024, c2048), /expected 128 \(172 Base64 chars/);
});

test('looksEncrypted tells a plain codice fiscale from ciphertext', () => {
  const c = encryptField(key1024.certificatePem, 'RSSMRA80A01H501U');
  assert.equal(looksEncrypted(key1024, 'RSSMRA80A01H501U'), false);
  assert.equal(looksEncrypted(key1024, '12345678901'), false);
  assert.equal(looksEncrypted(key1024, ' RSSMRA80A01H501U\n'), false);
  assert.equal(looksEncrypted(key1024, c), true);
  assert.equal(looksEncrypted(key1024, c.replace(/(.{60})/g, '$1\n')), true);
  assert.equal(looksEncrypted(key1024, c.slice(0, -4)), false);
  assert.equal(looksEncrypted(key1024, encryptField(key2048.certificatePem, 'x')), false);
  assert.equal(looksEncrypted(key2048, encryptField(key2048.certificatePem, 'x')), true);
  assert.equal(looksEncrypted(key1024, '!'.repeat(172)), false);
});

// Known-answer vectors from the IETF draft "Implementation Guidance for the
// PKCS #1 RSA Cryptography Specification" (draft-kario-rsa-guidance /
// draft-irtf-cfrg-rsa-guidance), Appendix B.1, 2048-bit key (a published
// test key, not a secret). Matching them shows the implicit rejection is
// bit-for-bit the one of OpenSSL >= 3.2, so the synthetic messages would not
// change if decryption ever moved to a native implementation.
const DRAFT_KEY_2048 = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDIzIOXFAmNpWyq
I2QPk9yJl8FjcpaPwbDG31ETwclOiyHkitIpfmVBkBG05tj15zsbeLJXQAMh0e9r
YC1OyM6NFByUkF60rTBmOaSSBlNLbn8mB0I+l9/9EzyI1yE5ne+8fpbM3L1/Oq4f
6JJxK/tJKYF9URZmRAofrLeiCPXqFlkQrdij8tSXICNgzLYyAk8NBxacGRjzFveU
sUOu9U7IdSKkwCl4+WiZgL/79knDB+gYGb/4hAljjUi9lL4VK1n/ZJ+gvWKdD/oY
E8Or9LVr08LqVGXf+hRYkpKp2KJK0mvn7gUQdBtjgtQ8g9W/pApGYT0GK+RFUX28
rwy04adpAgMBAAECggEAFFUBDg8tWHZjpmam/xzNu/Dt2BAGRtAqAjkikImSxK05
5VZZKXJu9lCMOnEVjvC2/3UdOdB1gLstLwYyEEQtBgP/UNu9ezX+LJuxmkehr4Wk
wkkB4CyotYt5GbIO3zKqz79RrbS8S2G5t+loyqTVcPcO8Y2AYyKIk+R9Q578p5Ml
m88s0Qij2GiM3weOeseZlp8jOdLB9SK5aWhGKakzuq7CaBYl6rhPTlb0RH6diPua
GZz3ECPg4lexREGzPITTvGfKgDHSYSYYEDp6CkCEQmL3XYiQzWFuUfkDVIj9bgmd
6P9tZaT/EYJUgHyfWNL7uouhUdyMaL40nJd6IE4EwQKBgQD49a1rqCiTG+pFm4o/
bcBB0jSCQJwlcelj8x90hgKiVjcbOIPtRZ7PlwUmRZ7dFuBVIvWkXZR1Gy7C2vJy
x/iBalLADRgIAXFjTaiZ15cyIvUbk3YwVIaWqffYwkpZSXwe/NRVz7l+6G0rbTSX
KzMv2jA/BJmbTra1zAuzPndh3QKBgQDOei47SakLljMKEtxoK9+9+66N1twDthR6
771XV0Pw9tpNhiNQYbca/ZytLTQCXlashrD3dD6zXhrLyiN4lUJEZbcG7SIXXlcY
yMcLZwPqj2tRD5Rb5I5aNrs8PJFzK1id/AXXLYCQMZRFK9ohNIZH7HKUPxGoRuYv
rr6OtTaw/QKBgHb+FfGK4jnN8d9rRFykvGu5aNeIwhkzpPXc0oADPWcSBizAim3y
BMH70L5GMHRD5t1KZFY3VCnU4DjKJW+vHJvekcaxe3b4GZX5HEjLvrx78ONJTAg1
nk6M1qWH17ltYiH9fg+1xVdfCC7ld2l5gHGyu7SjIjgVG0cxS7ZUeQMRAoGBAJmI
SLBVSZoQCcvH0pSzax/98gIObnNkBT6U3hoADck0BYf34nJ29ozfYI11O2M3ewO2
9AhNLAJ8SziWCmIzup7Zc4t28Q6nW+RWB4v3AfZ8xrPz/cGG5kM2x2s3LoCRDsgL
CtzCPQL7muEEhqKCSAdbTqflbd/POILkUVYUcaKRAoGAZDv3RkKffYNmegZTAhNH
77/AXmNR+CGp3rtg4OzN5QBa2ensMeVY9+ksKTKOdFadfO98dMq8KzVe1AGhoJFL
Tjy7BkhOWBlgURae0UyqLvpuoETgVNJhRMwWKcVQEFWKBOEz9Et8JE2sJb+RPFe4
kO5J9UglnNY0BP72hZ3Pl1o=
-----END PRIVATE KEY-----
`;
const DRAFT_VECTORS: Array<[string, string, string]> = [
  [
    'B.1.2 valid padding',
    '8bfe264e85d3bdeaa6b8851b8e3b956ee3d226fd3f69063a86880173a273d9f283b2eebdd1ed35f7e02d91c571981b6737d5320bd8396b0f3ad5b019daec1b0aab3cbbc026395f4fd14f13673f2dfc81f9b660ec26ac381e6db3299b4e460b43fab9955df2b3cfaa20e900e19c856238fd371899c2bf2ce8c868b76754e5db3b036533fd603746be13c10d4e3e6022ebc905d20c2a7f32b215a4cd53b3f44ca1c327d2c2b651145821c08396c89071f665349c25e44d2733cd9305985ceef6430c3cf57af5fa224089221218fa34737c79c446d28a94c41c96e4e92ac53fbcf384dea8419ea089f8784445a492c812eb0d409467f75afd7d4d1078886205a066',
    Buffer.from('lorem ipsum dolor sit amet').toString('hex'),
  ],
  [
    'B.1.3 empty message',
    '443ad9c5f00a1f4e9601717d274aacc93a824cb4d99b3c6a42e2b017e52e018443bd77d34a80703cd9b6acf523cd3b2cd1fea31940a68fba828836f1c3ed2fef071e95e0922ff0f47d0e81dacc13ecdeda3db6476f41e5b3f9ccfcfdf91558007b68ffbbe5e93bb088f1e4f0bb39bc7d8600b38930ecd00a341d8cc76955837efff0f0797c4b46fb1b375bba49bcdc877f39aaadb045c56b836072383eec6627ae280ad4f9a45d6e5b4cc7cf61d42b194ff0b9c9167c621e5380d8333e3b7f20c8d564c9ec6c2805f77c0146adea2f688a943b67ce8889f4a6353e6396d551c36a6dbf19359a825d14b69ccc4fd747cf14a1ca8578d7f0a67dc14b37f5e17ca3',
    '',
  ],
  [
    'B.1.7 synthetic, 10 bytes',
    '006f89db685c0a132700c6a17f88a37a6635d0ab89de4c45dc09736c891ca5bf3401ce34c6e5d51e94ed2f518857ddc12d9f9f9e68e01cdc30d86ae5dd83988c0c46a8e39daa1b328a23def551d67fa1964fb15242c83ddd7dd5b1aec720a391d0b86cb16cf4d3c466850c3df88a3ed85993900d1287a0c90c4b04d34ba29e59967661f3f10e0c998f64e14e777e8e81371eca5318b4e0b53414292130c821477c51e2bff844836ab10dff293d82e4f40d345968ef268c92ed0bc238f31d50f4d3f759c23964923e135d15527556410fbd2c451d6a2aa852dc88b01139c6fdd826736d8cd3780601b2977b09c080bd8c0fa471606ad59f053ad33d9eeb905f20',
    '2b5dd72df3cae37f1aef',
  ],
  [
    'B.1.8 synthetic, 2 bytes',
    '1439e08c3f84c1a7fec74ce07614b20e01f6fa4e8c2a6cffdc3520d8889e5d9a950c6425798f85d4be38d300ea5695f13ecd4cb389d1ff5b82484b494d6280ab7fa78e645933981cb934cce8bfcd114cc0e6811eefa47aae20af638a1cd163d2d3366186d0a07df0c81f6c9f3171cf3561472e98a6006bf75ddb457bed036dcce199369de7d94ef2c68e8467ee0604eea2b3009479162a7891ba5c40cab17f49e1c438cb6eaea4f76ce23cce0e483ff0e96fa790ea15be67671814342d0a23f4a20262b6182e72f3a67cd289711503c85516a9ed225422f98b116f1ab080a80abd6f0216df88d8cfd67c139243be8dd78502a7aaf6bc99d7da71bcdf627e7354',
    '0f9b',
  ],
];

test('implicit rejection matches the draft known-answer vectors', () => {
  const key: PincodeKey = {
    privateKey: createPrivateKey(DRAFT_KEY_2048),
    certificatePem: '',
    certificateDer: Buffer.alloc(0),
    bits: 2048,
    maxCiphertextChars: 344,
  };
  for (const [label, cHex, expectedHex] of DRAFT_VECTORS) {
    const got = decryptField(key, Buffer.from(cHex, 'hex').toString('base64'));
    assert.equal(got.toString('hex'), expectedHex, label);
  }
});

// ---------------------------------------------------------------- key files

test('pincode key persists across calls, private key mode 0600', (t) => {
  const dir = tempDir(t);
  const a = loadOrCreatePincodeKey(dir);
  assert.equal(a.created, true);
  assert.equal(a.bits, 1024);
  assert.equal(statSync(a.keyPath).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'keys')).mode & 0o777, 0o700);
  const c = encryptField(a.certificatePem, '0000');

  const b = loadOrCreatePincodeKey(dir);
  assert.equal(b.created, false);
  assert.deepEqual(b.certificateDer, a.certificateDer);
  assert.equal(b.certificatePem, a.certificatePem);
  assert.deepEqual(b.notices, []);
  assert.equal(decryptField(b, c).toString(), '0000');
  assert.ok(new X509Certificate(b.certificateDer).checkPrivateKey(b.privateKey));
});

test('an existing key of another size is kept and reported', (t) => {
  const dir = tempDir(t);
  const first = loadOrCreatePincodeKey(dir, 1024);
  const again = loadOrCreatePincodeKey(dir, 2048);
  assert.equal(again.bits, 1024);
  assert.equal(again.requestedBits, 2048);
  assert.equal(again.maxCiphertextChars, 172);
  assert.deepEqual(again.certificateDer, first.certificateDer);
  assert.match(again.notices.join('\n'), /1024 bits, not the 2048 requested/);
});

test('bits are validated', (t) => {
  const dir = tempDir(t);
  for (const bad of [512, 1000, 1023, 1025, 1024.5, 0, -2048]) {
    assert.throws(() => loadOrCreatePincodeKey(dir, bad), RangeError, String(bad));
  }
});

test('missing certificate is reissued for the same key; loose permissions are fixed', (t) => {
  const dir = tempDir(t);
  const a = loadOrCreatePincodeKey(dir);
  const c = encryptField(a.certificatePem, '9999');
  unlinkSync(a.certificatePath);
  chmodSync(a.keyPath, 0o644);
  const b = loadOrCreatePincodeKey(dir);
  assert.equal(statSync(b.keyPath).mode & 0o777, 0o600);
  assert.equal(b.notices.length, 2);
  assert.notDeepEqual(b.certificateDer, a.certificateDer, 'new certificate');
  assert.equal(decryptField(b, c).toString(), '9999', 'old ciphertexts still decrypt');
  assert.equal(
    new X509Certificate(b.certificateDer).publicKey.export({ format: 'der', type: 'spki' }).toString('hex'),
    new X509Certificate(a.certificateDer).publicKey.export({ format: 'der', type: 'spki' }).toString('hex'),
  );
});

// ---------------------------------------------------------------- x509

test('self-signed certificate serves HTTPS on 127.0.0.1 and localhost', async (t) => {
  const cert = createSelfSignedCertificate({
    commonName: 'localhost',
    altNames: ['127.0.0.1', 'localhost'],
    days: 1,
  });
  const x = new X509Certificate(cert.certificateDer);
  assert.match(x.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.match(x.subjectAltName ?? '', /DNS:localhost/);
  assert.equal(x.toString(), cert.certificatePem);
  assert.ok(x.checkPrivateKey(createPrivateKey(cert.privateKeyPem)));

  const server = createServer({ key: cert.privateKeyPem, cert: cert.certificatePem }, (_req, res) => {
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  for (const host of ['127.0.0.1', 'localhost']) {
    const body = await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', servername: host === 'localhost' ? host : undefined, port, path: '/', ca: cert.certificatePem, headers: { host } }, (res) => {
        let data = '';
        res.on('data', (d: Buffer) => (data += d.toString()));
        res.on('end', () => resolve(data));
      }).on('error', reject);
    });
    assert.equal(body, 'ok', host);
  }
  // Without trusting it the client must refuse (the test would be vacuous otherwise).
  await assert.rejects(
    new Promise((resolve, reject) => get({ host: '127.0.0.1', port, path: '/' }, resolve).on('error', reject)),
  );
});

test('certificate for a given key pair uses that key', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const cert = createSelfSignedCertificate({ commonName: 'x', keyPair: { privateKey }, usage: 'encryption' });
  assert.ok(new X509Certificate(cert.certificatePem).checkPrivateKey(privateKey));
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  assert.throws(() => createSelfSignedCertificate({ commonName: 'x', keyPair: ec }), TypeError);
});

// ---------------------------------------------------------------- passwords

/** A valid stored hash with a low cost, so cache tests stay fast. */
function cheapHash(secret: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(Buffer.from(secret.normalize('NFC')), salt, 32, { N: 1024, r: 8, p: 1 });
  return `scrypt$1024$8$1$${salt.toString('base64')}$${hash.toString('base64')}`;
}

test('hashSecret / verifySecret', async () => {
  const stored = hashSecret('correct horse');
  assert.match(stored, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
  assert.notEqual(hashSecret('correct horse'), stored, 'salted');
  assert.equal(verifySecret('correct horse', stored), true);
  assert.equal(verifySecret('correct horsE', stored), false);
  assert.equal(verifySecret('', stored), false);
  assert.equal(await verifySecretAsync('correct horse', stored), true);
  assert.equal(await verifySecretAsync('nope', stored), false);
  assert.equal(needsRehash(stored), false);
  assert.equal(needsRehash(cheapHash('x')), true);
  // Composed and decomposed accents are the same password.
  assert.equal(verifySecret('cafe\u0301', hashSecret('caf\u00e9')), true);
  // Malformed or hostile stored values verify nothing and never throw.
  for (const bad of ['', 'plain', 'scrypt$0$8$1$AAAA$AAAA', 'scrypt$1048577$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==', 'scrypt$2097152$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==', stored + '$x']) {
    assert.equal(verifySecret('x', bad), false, bad);
  }
});

test('verdict cache never returns true for a wrong secret', async () => {
  const cache = new VerdictCache();
  const stored = cheapHash('s3cret');
  assert.equal(cache.verify('dott.rossi', 'wrong', stored), false);
  assert.equal(cache.lookup('dott.rossi', 'wrong', stored), false, 'failure cached as failure');
  assert.equal(cache.verify('dott.rossi', 's3cret', stored), true);
  assert.equal(cache.lookup('dott.rossi', 's3cret', stored), true);
  assert.equal(cache.size, 1);
  for (let i = 0; i < 50; i++) {
    const guess = randomBytes(6).toString('base64');
    assert.notEqual(cache.lookup('dott.rossi', guess, stored), true);
    assert.equal(cache.verify('dott.rossi', guess, stored), false);
  }
  // Near misses and other users do not ride on the cached success.
  assert.equal(cache.verify('dott.rossi', 's3cret ', stored), false);
  assert.equal(cache.lookup('dott.bianchi', 's3cret', stored), undefined);
  assert.equal(cache.verify('dott.bianchi', 's3cret', cheapHash('other')), false);
  assert.equal(cache.verify('nobody', 's3cret', undefined), false);
  assert.equal(await cache.verifyAsync('dott.rossi', 'wrong2', stored), false);
  assert.equal(await cache.verifyAsync('dott.rossi', 's3cret', stored), true);
  // No plaintext secret kept in memory.
  assert.ok(!inspect(cache, { showHidden: true, depth: 10 }).includes('s3cret'));
});

test('verdict cache: password change, forget, TTL, LRU bound', () => {
  let now = 1_000_000;
  const cache = new VerdictCache({ maxEntries: 3, ttlMs: 10_000, failureTtlMs: 1_000, now: () => now });
  const oldStored = cheapHash('old');
  assert.equal(cache.verify('u', 'old', oldStored), true);

  // Password changed: the old secret does not verify against the new hash, even from cache.
  const newStored = cheapHash('new');
  assert.equal(cache.lookup('u', 'old', newStored), undefined);
  assert.equal(cache.verify('u', 'old', newStored), false);
  assert.equal(cache.verify('u', 'new', newStored), true);

  cache.forget('u');
  assert.equal(cache.lookup('u', 'new', newStored), undefined);
  assert.equal(cache.lookup('u', 'old', newStored), undefined);

  assert.equal(cache.verify('u', 'new', newStored), true);
  now += 10_001;
  assert.equal(cache.lookup('u', 'new', newStored), undefined, 'expired');

  cache.record('u', 'bad', newStored, false);
  now += 1_001;
  assert.equal(cache.lookup('u', 'bad', newStored), undefined, 'failure expired');

  const stored = ['a', 'b', 'c', 'd'].map((s) => [s, cheapHash(s)] as const);
  for (const [s, h] of stored.slice(0, 3)) cache.record(s, s, h, true);
  assert.equal(cache.lookup('a', 'a', stored[0]![1]), true); // refresh 'a'
  cache.record('d', 'd', stored[3]![1], true); // evicts least recently used: 'b'
  assert.equal(cache.size, 3);
  assert.equal(cache.lookup('b', 'b', stored[1]![1]), undefined);
  assert.equal(cache.lookup('a', 'a', stored[0]![1]), true);
  assert.equal(cache.lookup('d', 'd', stored[3]![1]), true);
});

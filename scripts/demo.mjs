#!/usr/bin/env node
// `npm start`: a short DSA demo until the end-to-end gateway demo exists.
// Generates a fresh 1024/160 key pair (the legacy gateway's size), signs an Alipay-style canonical
// parameter string with SHA1withDSA, verifies it, shows that a tampered string is rejected, and
// prints the public key as PEM. The private key is never printed.
import {
  generateKeyPair,
  sign,
  verify,
  exportPublicKey,
  importPublicKey,
} from '../dist/esm/index.js';

const t0 = performance.now();
process.stdout.write('Generating DSA domain parameters and key pair (L=1024, N=160) ');
const { privateKey, publicKey } = generateKeyPair(
  { L: 1024, N: 160 },
  { onProgress: () => process.stdout.write('.') },
);
console.log(` done in ${Math.round(performance.now() - t0)} ms`);

const canonical =
  '_input_charset=utf-8&notify_url=http://127.0.0.1/notify&outer_account_id=admin01' +
  '&outer_task_id=20111221_0011&partner=2088101011913539&refund_detail=20111221_0012_03~*~20.10' +
  '&return_url=http://127.0.0.1/return&service=alipay.witkey.task.left.amount.handle';
const bytes = new TextEncoder().encode(canonical);

const signature = sign(bytes, privateKey); // SHA1withDSA, RFC 6979 nonce, DER
const b64 = btoa(String.fromCharCode(...signature));
console.log(`\nCanonical string:\n  ${canonical}`);
console.log(`sign (base64 DER, ${signature.length} bytes):\n  ${b64}`);

const again = sign(bytes, privateKey);
console.log(`Deterministic (RFC 6979): same signature again: ${again.every((b, i) => b === signature[i]) && again.length === signature.length}`);

const pem = exportPublicKey(publicKey);
const reimported = importPublicKey(pem);
const ok = verify(signature, bytes, reimported);
const tampered = new TextEncoder().encode(canonical.replace('20.10', '20.11'));
const forged = verify(signature, tampered, reimported);
console.log(`Verify with the re-imported public key: ${ok}`);
console.log(`Verify after changing 20.10 to 20.11:   ${forged}`);
console.log(`\nPublic key (SPKI PEM):\n${pem}`);

if (!ok || forged) {
  console.error('Demo failed: signature check did not behave as expected');
  process.exit(1);
}

/**
 * `witkey doctor`: says why a signature does not verify (diagnoseSignature, `alipay-witkey/doctor`)
 * for a body or parameter map in a file or on stdin. Exit 0 when the signature verifies as sent, 3
 * when it does not (whatever the cause), 1 usage error, 2 failure (malformed input, bad key).
 * @module
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type DsaPublicKey, diagnoseSignature, importPrivateKey, importPublicKey, WitkeyError } from '../index.js';
import { type Command, UsageError } from './witkey.js';

const EXIT_INVALID = 3;

/** A key file: a public key (SPKI PEM, DER, bare base64), or a private key whose public half is used. */
function readKey(file: string): DsaPublicKey {
  const bytes = readFileSync(file);
  return /PRIVATE KEY/.test(bytes.toString('latin1')) ? importPrivateKey(bytes).publicKey : importPublicKey(bytes);
}

/** The input: a JSON object of strings (text starting with `{`), else an urlencoded body (one trailing newline dropped). */
function readInput(text: string): string | Record<string, string> {
  const t = text.trimStart();
  if (t.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch (e) {
      throw new WitkeyError('ILLEGAL_ARGUMENT', `the input is not valid JSON: ${(e as Error).message}`, { field: 'input' });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new WitkeyError('ILLEGAL_ARGUMENT', 'the input must be a JSON object of strings', { field: 'input' });
    }
    return value as Record<string, string>;
  }
  return text.replace(/\r?\n$/, '');
}

/** The `doctor` command of `witkey`. */
export const doctorCommand: Command = {
  summary: 'say why a signature does not verify (body or params JSON)',
  usage: 'witkey doctor --key PUBLIC.pem [--other-key PEM]... [--charset CS] [FILE | -]',
  help: `Reads a signed body (urlencoded, as received) or a JSON object of string parameters, verifies its
signature as the protocol says and, when that fails, tries the known mistakes one by one (charset,
sign_type signed, empty values kept, values decoded twice, "+" read as a space, a value trimmed, the
other detail dialect, another hash, P1363 instead of DER, another key). A mistake is named only when
its variant verifies. Prints the cause code and a sentence saying what to change, then the canonical
string and the hex of the bytes checked. Exit 0 when the signature verifies as sent, 3 when it does not.

Options:
  --key FILE         the key the signature should verify with (SPKI PEM, DER or bare base64;
                     a private key's public half)
  --other-key FILE   another candidate key (repeatable; e.g. the partner's own): named by its file name
  --charset CS       utf-8, gbk or gb2312 (default: the _input_charset field, else utf-8)`,
  options: { key: { type: 'string' }, 'other-key': { type: 'string', multiple: true }, charset: { type: 'string' } },
  async run(values, positionals, io) {
    if (positionals.length > 1) throw new UsageError('at most one input file');
    const keyFile = values['key'];
    if (typeof keyFile !== 'string' || keyFile === '') throw new UsageError('--key is required');
    const others = (values['other-key'] as unknown as string[] | undefined) ?? [];
    const file = positionals[0];
    let text: string;
    if (file === undefined || file === '-') {
      if (file === undefined && io.stdinIsTTY)
        throw new UsageError("give the body as a file argument, or pipe it to stdin ('-')");
      text = await io.readStdin();
    } else text = readFileSync(file, 'utf8');
    const charset = values['charset'];
    const d = await diagnoseSignature(readInput(text), {
      publicKey: readKey(keyFile),
      otherKeys: others.map((f) => ({ key: readKey(f), label: `the key in ${basename(f)}` })),
      ...(typeof charset === 'string' ? { charset } : {}),
    });
    io.stdout(
      `${d.cause}${d.verified ? ' (verified)' : ' (not verified)'}\n${d.message}\n` +
        `canonical (${d.charset}${d.variant && d.variant !== 'protocol' ? `, ${d.variant}` : ''}): ${d.canonical}\n` +
        `signed bytes: ${d.signedBytes}\n`,
    );
    return d.verified ? 0 : EXIT_INVALID;
  },
};

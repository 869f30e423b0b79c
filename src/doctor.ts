/**
 * `alipay-witkey/doctor`: says why a signature does not verify. {@link diagnoseSignature} verifies a
 * body or parameter map as docs/PROTOCOL.md §4 says and, when that fails, tries the known mistakes one
 * by one (charset, `sign_type` signed, empty values kept, values decoded twice, `+` read as a space, a
 * value trimmed, the other detail dialect, another hash, P1363 instead of DER, another key), naming a
 * mistake only when its variant verifies. Web APIs only: it runs in browsers, extensions and workers.
 * @module
 */

export {
  type DiagnoseOptions,
  type Diagnosis,
  type DiagnosisCause,
  type DoctorKey,
  diagnoseSignature,
} from './doctor/diagnose.js';

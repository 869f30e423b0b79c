/**
 * Where a notification carries its XML: the one **[reading]** of docs/PROTOCOL.md §6 on the inbound side,
 * kept in this one place. `spec` reads `notify_data`; `kppw` reads `resultMsg`, whose value starts
 * with `xml=` (the only public client of the service family did so). The prefix is part of the
 * signed value; it is stripped only before the XML is parsed.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { isSigned } from '../wire/canonical.js';

/** The XML field of a notification: its form field name and a literal value prefix. */
export interface NotifyDataField {
  /** Form field that carries the XML, e.g. `notify_data`. */
  dataField: string;
  /** Literal ASCII prefix of the value before the XML, e.g. `xml=`; '' for none. */
  dataPrefix?: string;
}

/** A named dialect or a custom field description. */
export type NotifyDialect = 'spec' | 'kppw' | NotifyDataField;

/** The shipped dialects. */
export const NOTIFY_DIALECTS: Readonly<Record<'spec' | 'kppw', Required<NotifyDataField>>> = Object.freeze({
  spec: Object.freeze({ dataField: 'notify_data', dataPrefix: '' }),
  kppw: Object.freeze({ dataField: 'resultMsg', dataPrefix: 'xml=' }),
});

/**
 * Resolves a notify dialect to its data field and prefix.
 * @throws WitkeyError `INVALID_OPTION` for anything else.
 * @example
 * resolveNotifyDialect('kppw'); // { dataField: 'resultMsg', dataPrefix: 'xml=' }
 */
export function resolveNotifyDialect(dialect: NotifyDialect = 'spec'): Required<NotifyDataField> {
  if (dialect === 'spec' || dialect === 'kppw') return NOTIFY_DIALECTS[dialect];
  if (
    dialect &&
    typeof dialect === 'object' &&
    typeof dialect.dataField === 'string' &&
    /^[\x21-\x7e]{1,64}$/.test(dialect.dataField)
  ) {
    const prefix = dialect.dataPrefix ?? '';
    if (typeof prefix === 'string' && /^[\x20-\x7e]*$/.test(prefix) && isSigned(dialect.dataField)) {
      return { dataField: dialect.dataField, dataPrefix: prefix };
    }
  }
  throw new WitkeyError(
    'INVALID_OPTION',
    `invalid notify dialect ${JSON.stringify(dialect)}: expected 'spec', 'kppw' or { dataField, dataPrefix? } (printable ASCII)`,
    { field: 'dialect' },
  );
}

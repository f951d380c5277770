/**
 * The one form in which Atrium stores and compares email addresses: trimmed, Unicode NFC (so
 * `é` typed as one code point or as `e` + combining accent is the same address) and lower case
 * (so `Ann@x.io` and `ann@x.io` are one account). NFC is applied again after lower-casing because
 * case mapping can leave a string that is no longer composed.
 */
export function normalizeEmail(value: string): string {
  return value.trim().normalize('NFC').toLowerCase().normalize('NFC')
}

/**
 * What PostgreSQL can hold as jsonb or text: no NUL characters and no lone surrogates, anywhere in
 * a value (keys included), at most 20 levels deep. A pushed record that fails it is rejected
 * (push.ts, `sync.invalid-args`); a hub keeps such a record's envelope sealed for the centre
 * instead of as jsonb (hub/relayStore.ts), so the centre rejects it the same way.
 */
export function storable(value: unknown, depth = 0): boolean {
  if (depth > 20) return false;
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.every((v) => storable(v, depth + 1));
  if (typeof value === 'object' && value !== null) return Object.entries(value).every(([k, v]) => storableText(k) && storable(v, depth + 1));
  return true;
}

function storableText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

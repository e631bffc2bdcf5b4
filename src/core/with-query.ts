/**
 * A query string with some parameters set: each replaces every same-named parameter the client
 * sent (compared after percent-decoding) and is appended, encoded, at the end.
 */

function encode(value: string): string {
  return encodeURIComponent(value);
}

/** `query` (without `?`) with `set` applied. */
export function withQuery(query: string, set: Record<string, string>): string {
  const names = Object.keys(set);
  const kept = (query ? query.split('&') : []).filter(function (pair) {
    let name = pair.split('=')[0];
    try {
      name = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch (e) {
      // keep the raw name
    }
    return pair !== '' && names.indexOf(name) < 0;
  });
  return kept.concat(names.map(function (n) { return encode(n) + '=' + encode(set[n]); })).join('&');
}

/** nginx's request headers with lower-cased names, repeats joined with ', ' (as core expects). */
export function lowerHeaders(r: NginxHTTPRequest): Record<string, string> {
  const h: Record<string, string> = {};
  const raw = r.rawHeadersIn;
  for (let i = 0; i < raw.length; i++) {
    const name = raw[i][0].toLowerCase();
    h[name] = h[name] === undefined ? raw[i][1] : h[name] + ', ' + raw[i][1];
  }
  return h;
}

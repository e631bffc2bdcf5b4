/**
 * The check server's locations for core's POSTs (introspection endpoints, remote validators):
 * one per distinct URL (src/njs/post-locations.ts), proxying to the fixed URL with the headers the
 * njs port put in js_var variables, never the client's. Nothing is cached here: the decision cache
 * in front of the check server keeps the outcome.
 */
import type { CoreConfig } from '../core/types.ts';
import { postHeaderVar, postHeaderVarCount, postLocation, postTargets } from '../njs/post-locations.ts';
import { CA_BUNDLE, confValue } from './conf-names.ts';

/** Largest answer accepted from a service (njs reads it into memory). */
const REPLY_BUFFER = '64k';

/** The js_var declarations and locations, or '' when nothing POSTs. */
export function postBlocks(config: CoreConfig): string {
  const targets = postTargets(config);
  if (targets.length === 0) return '';
  const vars: string[] = [];
  for (let k = 0; k < postHeaderVarCount(targets); k++) vars.push(`    js_var $${postHeaderVar(k)};`);
  const locations = targets.map(function (t, i) {
    const headers = t.headers.map(function (h, k) {
      return `        proxy_set_header ${confValue(h, 'header name')} $${postHeaderVar(k)};`;
    });
    const tls = /^https:/i.test(t.url) ? `
        proxy_ssl_server_name on;
        proxy_ssl_verify on;                 # client credentials and tokens go here
        proxy_ssl_trusted_certificate ${CA_BUNDLE};` : '';
    return `    # POSTs to ${t.url}
    location = ${postLocation(i)} {
        internal;
        proxy_pass ${confValue(t.url, 'service URL')};
        proxy_method POST;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass_request_headers off;      # never the client's headers (its token is in the body)
${headers.join('\n')}
        proxy_connect_timeout ${t.timeout}s;
        proxy_send_timeout ${t.timeout}s;
        proxy_read_timeout ${t.timeout}s;
        proxy_next_upstream off;             # a failed POST is not retried elsewhere
        proxy_cache off;
        subrequest_output_buffer_size ${REPLY_BUFFER};${tls}
    }`;
  });
  return `    # Request headers of service POSTs, set by njs just before each subrequest.
${vars.join('\n')}
${locations.join('\n')}`;
}

/** `host:port` / `[v6]:port` from the config → what node:net and grpc-js take. */

/** Split a validated listen address. */
export function parseListen(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

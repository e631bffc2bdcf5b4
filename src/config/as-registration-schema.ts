/**
 * `authorization_server.registration`: how the registration endpoint answers. `open: true`
 * (the default) is RFC 7591 dynamic registration for anyone. `static_client: <client_id>` hands
 * out one pre-registered public client instead, for deployments that want no self-registered
 * clients while MCP clients still insist on calling /register (see
 * companion/static-client-registration.ts). The two exclude each other: an open endpoint creates
 * a client per caller, a static one never does, and one endpoint cannot sensibly do both.
 */
import { z } from 'zod';
import { checkedString, isRecord } from './schema-primitives.ts';

/** `authorization_server.registration` as loaded. */
export interface AsRegistration {
  /** RFC 7591 dynamic registration open to anyone (no initial access token). */
  open: boolean;
  /** client_id of a configured public client that POST /register hands out, or null. */
  static_client: string | null;
}

/** Schema of `registration:`. `open` defaults to true, or to false with `static_client`. */
export const registration = z
  .strictObject({
    open: z.boolean().optional(),
    static_client: checkedString((v) => (v === '' ? 'must not be empty' : undefined)).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.open === true && r.static_client !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['open'],
        message: 'cannot be true with static_client: the registration endpoint either creates a client per caller (open) or hands out the static one; drop open or set it to false',
      });
    }
  })
  .transform((r): AsRegistration => ({ open: r.open ?? r.static_client === undefined, static_client: r.static_client ?? null }))
  .prefault({});

/**
 * Section-level check: `registration.static_client` names a configured client, and a public one
 * (it is handed to anyone who asks, so it can hold no secret; RFC 7591 §3.2.1 would return it).
 */
export function staticClientIsPublic(section: unknown, ctx: z.RefinementCtx): void {
  if (!isRecord(section) || !isRecord(section.registration)) return;
  const id = section.registration.static_client;
  if (typeof id !== 'string') return;
  const path = ['registration', 'static_client'];
  const clients = Array.isArray(section.clients) ? section.clients : [];
  const index = clients.findIndex((c: unknown) => isRecord(c) && c.client_id === id);
  if (index === -1) {
    ctx.addIssue({ code: 'custom', path, message: `names no client in authorization_server.clients (got "${id}")` });
    return;
  }
  const method = (clients[index] as Record<string, unknown>).token_endpoint_auth_method;
  // The schema's default for the method is none; an entry that failed to parse may lack it.
  if (method !== undefined && method !== 'none') {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `must name a public client: clients[${index}] uses ${String(method)}, and the registration endpoint would hand its secret to anyone (set token_endpoint_auth_method: none)`,
    });
  }
}

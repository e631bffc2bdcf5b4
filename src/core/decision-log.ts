/**
 * One structured log record per decision: request id, endpoint, subject, allow/deny, reason tag.
 * Built only from the decision, so a token or secret can't end up in it.
 */
import type { CoreRequest, Decision } from './types.ts';

export interface DecisionRecord {
  request_id: string;
  endpoint: string | null;
  method: string;
  path: string;
  client_ip: string;
  decision: 'allow' | 'deny' | 'respond';
  status: number;
  reason: string;
  subject: string | null;
  strategy: string | null;
}

/** The log record for a decision. */
export function decisionRecord(req: CoreRequest, d: Decision): DecisionRecord {
  const allow = d.action === 'allow';
  const status = d.action === 'allow' ? 200 : d.status;
  return {
    request_id: req.requestId || '',
    endpoint: d.endpoint,
    method: req.method,
    path: req.path,
    client_ip: req.clientIp,
    decision: allow ? 'allow' : status >= 400 ? 'deny' : 'respond',
    status: status,
    reason: d.reason,
    subject: d.action === 'allow' ? d.principal.subject : d.subject || null,
    strategy: d.action === 'allow' ? d.principal.strategy : null,
  };
}

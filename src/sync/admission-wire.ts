// The /v1/signal rows and posts that carry felund2 admissions (relay-admission.ts), how a
// line is checked for shape before it is tried, and the transport the shells implement.
import { parseJsonFrame } from "../protocol/frames.ts";
import { RELAY_SIGNAL_TTL_MAX_S, V2_LINE_MAX } from "../protocol/limits.ts";
import { ADMISSION_SIGNAL } from "./admission-signal.ts";

/** A row of GET /v1/signal. */
export interface SignalRow {
  id: number;
  session_id: string;
  from_node: string;
  type: string;
  payload: string;
  created_at: number;
}
/** The body of POST /v1/signal. */
export interface SignalPost {
  session_id: string;
  from_node_id: string;
  to_node_id: string;
  circle_hint: string;
  type: string;
  payload: string;
  ttl_s: number;
  /** proof that the sender owns from_node_id (docs/PROTOCOL.md §10.2); joiners post anonymously, without one */
  node_proof?: string;
}

export interface SignalIo {
  post(s: SignalPost): Promise<void>;
  list(q: {
    toNodeId: string;
    sinceId: number;
    sessionId?: string;
  }): Promise<{ signals: SignalRow[]; serverTime?: number }>;
  sleep(ms: number): Promise<void>;
  nowMs(): number;
}

export const isSignalRow = (s: unknown): s is SignalRow => {
  const r = s as SignalRow | null;
  return (
    !!r &&
    typeof r === "object" &&
    Number.isSafeInteger(r.id) &&
    typeof r.session_id === "string" &&
    typeof r.from_node === "string" &&
    typeof r.type === "string" &&
    typeof r.payload === "string" &&
    typeof r.created_at === "number"
  );
};

/**
 * Cheap shape check before a line is tried (a try replays the handshake, ~ms): the issuer
 * expects a V2_AUTH, the joiner a V2_HS and then sealed frames (base64, not JSON).
 */
export function shapedAs(line: string, kind: "V2_AUTH" | "V2_HS" | "sealed"): boolean {
  if (kind === "sealed") return line.length > 0 && line.length <= V2_LINE_MAX && /^[A-Za-z0-9+/=_-]+$/.test(line);
  try {
    const f = parseJsonFrame(line);
    return f.t === kind && typeof f.box === "string";
  } catch {
    return false;
  }
}

/** Plaintext ERROR text of a line, or null (ERROR lines are unauthenticated). */
export function errorText(line: string): string | null {
  try {
    const f = parseJsonFrame(line);
    return f.t === "ERROR" ? String(f.err ?? "").slice(0, 200) : null;
  } catch {
    return null;
  }
}

/** One admission line addressed to a node, as POST /v1/signal takes it. */
export const admissionPost = (
  sessionId: string,
  from: string,
  to: string,
  hint: string,
  payload: string,
): SignalPost => ({
  session_id: sessionId,
  from_node_id: from,
  to_node_id: to,
  circle_hint: hint,
  type: ADMISSION_SIGNAL,
  payload,
  ttl_s: RELAY_SIGNAL_TTL_MAX_S,
});

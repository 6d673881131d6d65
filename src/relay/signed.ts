// Signed requests (PROTOCOL-V1.md §6.5, the newer original PHP relay's rules): a node that
// registered a `signing_key` for a circle hint must sign its later requests for that hint
// (register, unregister, peers, messages) with it, until that registration expires. Nodes that
// never registered a key are served as before. Unlike the original, a registered key is never
// replaced or wiped by an unsigned or differently-keyed register while it lives. Nonces of
// accepted requests are kept in the relay's database while a replay could still be in time.
import type { Db } from "../../db/client.ts";
import { fromHex } from "../protocol/bytes.ts";
import { RELAY_NONCE_MAX, RELAY_SIG_WINDOW_S } from "../protocol/limits.ts";
import { isSigningKeyHex, relayCanonical, relaySignatureOk } from "../protocol/relay-sig.ts";
import { json, normalizePath } from "./http.ts";

/** The original relay's codes and statuses (its bodies carry only `code`; ours add `detail`, as every relay error). */
export type SignatureRefusal =
  | { status: 401; code: "INVALID_SIGNATURE"; detail: string }
  | { status: 400; code: "EXPIRED_TIMESTAMP"; detail: string }
  | { status: 409; code: "NONCE_REPLAY"; detail: string };

export const signatureResponse = (r: SignatureRefusal): Response =>
  json({ ok: false, detail: r.detail, code: r.code }, r.status);

export const invalidSignature = (detail: string): SignatureRefusal => ({
  status: 401,
  code: "INVALID_SIGNATURE",
  detail,
});
const invalid = invalidSignature;

/** What a register body may say about its key: absent, a valid key, or a malformed one (400). */
export type NamedKey = { ok: true; key: string | null } | { ok: false; detail: string };
export function namedKey(v: unknown): NamedKey {
  if (v === undefined) return { ok: true, key: null };
  return isSigningKeyHex(v)
    ? { ok: true, key: v.toLowerCase() }
    : { ok: false, detail: "Field 'signing_key' must be a 64-char hex string" };
}

/** A request as its signature covers it: the exact body bytes ("" for none). */
export interface SignedRequest {
  request: Request;
  body: Uint8Array | string;
}

export const REPLAY: SignatureRefusal = {
  status: 409,
  code: "NONCE_REPLAY",
  detail: "X-Felund-Nonce was used already",
};

/** The key a register must be signed with ("" for none), or why it is refused (a live key is never replaced). */
export function keyRule(live: string | null, named: string | null): SignatureRefusal | string {
  if (live && named && named !== live)
    return invalid("This node_id is registered under this circle_hint with another signing key until it expires");
  return named ?? live ?? "";
}

export interface SignedHeaders {
  ts: number;
  tsText: string;
  nonce: string;
  sig: string;
}

/** The signature headers, present and within the time window of `now`. */
export function signedHeaders({ request }: SignedRequest, now: number): SignatureRefusal | SignedHeaders {
  const h = request.headers;
  const ts = h.get("x-felund-ts");
  const nonce = h.get("x-felund-nonce");
  const sig = h.get("x-felund-signature");
  if (!ts || !nonce || !sig || nonce.length > RELAY_NONCE_MAX)
    return invalid("Missing X-Felund-Ts, X-Felund-Nonce or X-Felund-Signature");
  const t = /^\d{1,15}$/.test(ts) ? Number(ts) : Number.NaN;
  if (!(Math.abs(now - t) <= RELAY_SIG_WINDOW_S))
    return {
      status: 400,
      code: "EXPIRED_TIMESTAMP",
      detail: `X-Felund-Ts is more than ${RELAY_SIG_WINDOW_S} s from the relay's clock`,
    };
  return { ts: t, tsText: ts, nonce, sig };
}

/** Whether the request is signed by this key. */
export function signatureValid({ request, body }: SignedRequest, keyHex: string, h: SignedHeaders): boolean {
  const path = normalizePath(new URL(request.url).pathname);
  return relaySignatureOk(fromHex(keyHex), relayCanonical(request.method, path, body, h.tsText, h.nonce), h.sig);
}

export class SignedRequests {
  private keyOf;
  private nonceSeen;
  private addNonce;
  private dropNonces;

  constructor(
    db: Db,
    private nowS: () => number,
  ) {
    this.keyOf = db.$client.prepare(
      "SELECT signing_key FROM relay_presence WHERE circle_hint = ? AND node_id = ? AND expires_at > ? AND signing_key != ''",
    );
    this.nonceSeen = db.$client.prepare("SELECT 1 FROM relay_nonces WHERE nonce = ?");
    this.addNonce = db.$client.prepare("INSERT OR IGNORE INTO relay_nonces (nonce, ts) VALUES (?, ?)");
    this.dropNonces = db.$client.prepare("DELETE FROM relay_nonces WHERE ts < ?");
  }

  /** The key a live registration of (hint, node) holds, or null (none, or expired: then anyone may register it). */
  key(hint: string, node: string | null): string | null {
    if (!node) return null;
    const row = this.keyOf.get(hint, node, this.nowS()) as { signing_key: string } | null;
    return row ? row.signing_key : null;
  }

  /** A request for (hint, node): checked only when that node has a live key. */
  checkFor(hint: string, node: string | null, r: SignedRequest): SignatureRefusal | null {
    const key = this.key(hint, node);
    return key ? this.check(r, key) : null;
  }

  /**
   * A register: a body that names a key must be signed by it, and a live key stays until its
   * registration expires (a body naming another key, or none, must still be signed by the live one).
   * Answers the key to store ("" for none), or why not.
   */
  register(hint: string, node: string, named: string | null, r: SignedRequest): SignatureRefusal | string {
    const key = keyRule(this.key(hint, node), named);
    if (typeof key !== "string" || !key) return key;
    return this.check(r, key) ?? key;
  }

  /** The original's checks in its order; on success the nonce is kept. */
  check(r: SignedRequest, keyHex: string): SignatureRefusal | null {
    const now = this.nowS();
    const h = signedHeaders(r, now);
    if ("status" in h) return h;
    this.dropNonces.run(now - RELAY_SIG_WINDOW_S);
    if (this.nonceSeen.get(h.nonce)) return REPLAY;
    if (!signatureValid(r, keyHex, h)) return invalid("Invalid signature");
    // a concurrent request with the same nonce (another relay process) lost the race
    return this.addNonce.run(h.nonce, h.ts).changes ? null : REPLAY;
  }

  prune(nowS: number): number {
    return this.dropNonces.run(nowS - RELAY_SIG_WINDOW_S).changes;
  }
}

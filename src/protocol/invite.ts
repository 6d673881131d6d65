// felund1. invite codes (reference §2): base64url(JSON {"v":1,"secret","peer"}) without padding.
import { fromBase64Url, fromUtf8, isHex, toBase64Url, utf8 } from "./bytes.ts";
import { parseHostPort, isRelayUrl } from "./hostport.ts";
import { accept, reject, type Verdict } from "./verdict.ts";

export const INVITE_PREFIX = "felund1.";

export interface Invite { secretHex: string; peer: string }

/** Encode; key order v, secret, peer (byte-exact with both originals). */
export function encodeInvite(secretHex: string, peer: string): string {
  const payload = JSON.stringify({ v: 1, secret: secretHex, peer });
  return INVITE_PREFIX + toBase64Url(utf8(payload));
}

/**
 * Decode what the Python node accepts (ref §2.3): prefix, base64url JSON, v == 1, hex secret,
 * peer empty, a relay URL, or host:port. Stricter than Python only where Python would crash
 * later (odd-length hex, whitespace inside the hex).
 */
export function decodeInvite(code: string): Verdict<Invite> {
  if (typeof code !== "string") return reject("invite code must be a string");
  const t = code.trim();
  if (!t.startsWith(INVITE_PREFIX)) return reject(`invite code must start with "${INVITE_PREFIX}"`);
  let payload: unknown;
  try {
    payload = JSON.parse(fromUtf8(fromBase64Url(t.slice(INVITE_PREFIX.length))));
  } catch {
    return reject("invite code is not valid base64url JSON");
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return reject("invite payload must be a JSON object");
  const p = payload as Record<string, unknown>;
  // Python equality: 1, 1.0 and true all equal 1.
  if (!(p.v === 1 || p.v === true)) return reject("unsupported invite version");
  const secret = String(p.secret ?? "").trim().toLowerCase();
  if (!secret) return reject("invite has no secret");
  if (!isHex(secret)) return reject("invite secret is not hex");
  const peer = p.peer == null ? "" : String(p.peer).trim();
  if (peer && !isRelayUrl(peer) && !parseHostPort(peer)) return reject("invite peer: expected host:port or a relay URL");
  return accept({ secretHex: secret, peer });
}

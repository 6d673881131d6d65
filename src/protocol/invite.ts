// felund1. invite codes (PROTOCOL-V1.md §2): base64url(JSON {"v":1,"secret","peer"}) without padding.
import { fromBase64Url, fromUtf8, isHex, toBase64Url, utf8 } from "./bytes.ts";
import { parseHostPort, isRelayUrl } from "./hostport.ts";
import { accept, reject, type Verdict } from "./verdict.ts";

export const INVITE_PREFIX = "felund1.";

/**
 * A pasted code without its whitespace: chats and mail wrap long codes and add spaces or line
 * breaks anywhere; no code of either form contains any (base64url and a prefix).
 */
export const cleanInviteCode = (code: string): string => code.replace(/\s+/g, "");

export interface Invite {
  secretHex: string;
  peer: string;
  /** felund extension: the circle owner's Ed25519 key (64 hex), so joiners can check the owner's signed events */
  owner?: string;
}

/**
 * Encode; key order v, secret, peer (byte-exact with both originals), then our optional
 * `owner` key, which both originals ignore.
 */
export function encodeInvite(secretHex: string, peer: string, owner?: string): string {
  const payload = JSON.stringify(owner ? { v: 1, secret: secretHex, peer, owner } : { v: 1, secret: secretHex, peer });
  return INVITE_PREFIX + toBase64Url(utf8(payload));
}

/**
 * Decode what the Python node accepts (PROTOCOL-V1.md §2.3): prefix, base64url JSON, v == 1, hex secret,
 * peer empty, a relay URL, or host:port. Stricter than Python only where Python would crash
 * later (odd-length hex, whitespace inside the hex).
 */
export function decodeInvite(code: string): Verdict<Invite> {
  if (typeof code !== "string") return reject("invite code must be a string");
  const t = cleanInviteCode(code);
  if (!t.startsWith(INVITE_PREFIX)) return reject(`invite code must start with "${INVITE_PREFIX}"`);
  let payload: unknown;
  try {
    // Both originals re-pad before decoding, so a code that kept its "=" padding is accepted.
    let end = t.length;
    while (end > INVITE_PREFIX.length && t[end - 1] === "=") end--;
    payload = JSON.parse(fromUtf8(fromBase64Url(t.slice(INVITE_PREFIX.length, end))));
  } catch {
    return reject("invite code is not valid base64url JSON");
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload))
    return reject("invite payload must be a JSON object");
  const p = payload as Record<string, unknown>;
  // Python equality: 1, 1.0 and true all equal 1.
  if (!(p.v === 1 || p.v === true)) return reject("unsupported invite version");
  const secretText = pyStr(p.secret);
  if (secretText === null) return reject("invite secret is not a string");
  const secret = secretText.trim().toLowerCase();
  if (!secret) return reject("invite has no secret");
  if (!isHex(secret)) return reject("invite secret is not hex");
  const peerText = pyStr(p.peer);
  if (peerText === null) return reject("invite peer is not a string");
  const peer = peerText.trim();
  if (peer && !isRelayUrl(peer) && !parseHostPort(peer))
    return reject("invite peer: expected host:port or a relay URL");
  // our extension; anything else there is ignored, as the originals ignore unknown keys
  const owner = typeof p.owner === "string" && /^[0-9a-f]{64}$/.test(p.owner) ? p.owner : undefined;
  return accept(owner ? { secretHex: secret, peer, owner } : { secretHex: secret, peer });
}

/**
 * Python's str() where it can matter: strings and numbers (a numeric secret like 1234 is valid
 * hex there); missing -> "". Anything else could never pass Python's checks (str(True) is not
 * hex, str(dict) is no host:port), and String() on a parsed object can itself throw.
 */
function pyStr(v: unknown): string | null {
  if (v == null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  return null;
}

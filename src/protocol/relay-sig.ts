// Signed relay requests, as the newer original PHP relay checks them (felund-core-newer b1;
// PROTOCOL-V1.md §6.5): the circle's signing key, the canonical string of a request, its
// signature and the four X-Felund-* headers. Pure: the clock and the nonce are passed in.
import { isHex, toHex, utf8 } from "./bytes.ts";
import { hmacHex, hmacSha256, sha256Hex, timingSafeEqualStr } from "./crypto.ts";

/** HMAC-SHA256 keyed with the raw circle secret over "api-v1": the same 32 bytes for every member. */
export const relaySigningKey = (secret: Uint8Array): Uint8Array => hmacSha256(secret, utf8("api-v1"));

/** 64 hex characters in any case (the form `signing_key` must have in a register body). */
export const isSigningKeyHex = (s: unknown): s is string => typeof s === "string" && s.length === 64 && isHex(s);

/**
 * Upper-case method, the path after /v1 without the query ("/peers"), the lowercase hex SHA-256
 * of the exact body bytes, ts in decimal, the nonce; no separators.
 */
export const relayCanonical = (
  method: string,
  path: string,
  body: Uint8Array | string,
  ts: number | string,
  nonce: string,
): string => `${method.toUpperCase()}${path}${sha256Hex(body)}${ts}${nonce}`;

/** Lowercase hex HMAC-SHA256 of the canonical string under the signing key. */
export const relaySignature = (key: Uint8Array, canonical: string): string => hmacHex(key, canonical);

/** Whether `signature` (any case) signs `canonical` under `key`, compared in constant time. */
export const relaySignatureOk = (key: Uint8Array, canonical: string, signature: string): boolean =>
  timingSafeEqualStr(relaySignature(key, canonical), signature.toLowerCase());

/** What a signed request carries; `nonce` is 16 random bytes. */
export interface RelaySignInput {
  key: Uint8Array;
  nodeId: string;
  method: string;
  /** the endpoint after /v1 ("/register", "/peers", "/messages"), never a prefix or a query */
  path: string;
  /** the exact bytes sent ("" for none) */
  body: string;
  ts: number;
  nonce: Uint8Array;
}

/** The four headers of a signed request. */
export function relaySignHeaders(i: RelaySignInput): Record<string, string> {
  const nonce = toHex(i.nonce);
  return {
    "X-Felund-Node": i.nodeId,
    "X-Felund-Ts": String(i.ts),
    "X-Felund-Nonce": nonce,
    "X-Felund-Signature": relaySignature(i.key, relayCanonical(i.method, i.path, i.body, i.ts, nonce)),
  };
}

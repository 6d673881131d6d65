// The history-push allowance (docs/PROTOCOL.md §25): every member of a circle derives the same
// Ed25519 "push key" from the circle secret, and signs each POST /v1/messages/batch with it. The
// relay pins the first key that signs for a circle_hint and lets batches signed by it spend a
// large per-hint allowance instead of the ordinary per-hint rate; a non-member cannot sign.
//
//   X-Felund-Push = "<ts>.<public key, 64 hex>.<signature, 128 hex>"
//   signed        = "felund-push-allowance/1\n<ts>\n<circle_hint>\n<sha256 hex of the exact body bytes>"
//
// ts is Unix seconds; the relay accepts it within RELAY_PUSH_ALLOWANCE_SKEW_S of its clock. A
// replay (only whoever sees the request can) re-posts the same envelopes: duplicates, ignored.
import { fromHex, toHex, utf8 } from "../bytes.ts";
import { RELAY_PUSH_ALLOWANCE_SKEW_S } from "../relay-push-limits.ts";
import { edPublicKey, sha256 } from "../primitives.ts";
import { accept, reject, type Verdict } from "../verdict.ts";
import { kdf, sign, verifySig } from "./keys.ts";

const EMPTY = new Uint8Array(0);

export interface PushKey {
  seed: Uint8Array;
  publicHex: string;
}

/** The circle's push key: the same for every member (HKDF of the circle secret). */
export function pushKey(circleSecret: Uint8Array): PushKey {
  const seed = kdf(circleSecret, EMPTY, "felund2 relay push key");
  return { seed, publicHex: toHex(edPublicKey(seed)) };
}

const signedText = (tsS: number, hint: string, body: Uint8Array | string): Uint8Array =>
  utf8(`felund-push-allowance/1\n${tsS}\n${hint}\n${toHex(sha256(typeof body === "string" ? utf8(body) : body))}`);

/** The X-Felund-Push header value for a batch body (tsS: Unix seconds). */
export function pushAllowance(key: PushKey, hint: string, body: Uint8Array | string, tsS: number): string {
  return `${tsS}.${key.publicHex}.${toHex(sign(key.seed, signedText(tsS, hint, body)))}`;
}

/** Check an X-Felund-Push header against the request's hint and exact body; the key (hex) on success. */
export function checkPushAllowance(
  header: unknown,
  hint: string,
  body: Uint8Array | string,
  nowS: number,
): Verdict<string> {
  if (typeof header !== "string" || header === "") return reject("X-Felund-Push header is missing");
  const m = /^(\d{1,12})\.([0-9a-f]{64})\.([0-9a-f]{128})$/.exec(header);
  if (!m) return reject("X-Felund-Push must be <ts>.<64 hex public key>.<128 hex signature>");
  const ts = Number(m[1]);
  if (Math.abs(ts - nowS) > RELAY_PUSH_ALLOWANCE_SKEW_S)
    return reject(`X-Felund-Push timestamp is more than ${RELAY_PUSH_ALLOWANCE_SKEW_S} s from the relay's clock`);
  if (!verifySig(fromHex(m[3]!), signedText(ts, hint, body), fromHex(m[2]!)))
    return reject("X-Felund-Push signature does not verify");
  return accept(m[2]!);
}

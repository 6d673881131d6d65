// v1 handshake token, session key and encrypted framing (PROTOCOL-V1.md §3.2-3.3).
import { concatBytes, fromBase64, fromHex, fromUtf8, toBase64, utf8 } from "./bytes.ts";
import { aesGcmOpen, aesGcmSeal, hkdfSha256, hmacHex } from "./crypto.ts";
import { ProtocolError } from "./verdict.ts";

/** token = hmachex(secret, node_id|circle_id|server_nonce) */
export const handshakeToken = (secret: Uint8Array, nodeId: string, circleId: string, serverNonceHex: string): string =>
  hmacHex(secret, `${nodeId}|${circleId}|${serverNonceHex}`);

/** session_key = HKDF(secret, salt = client_nonce || server_nonce, "felund-session-v1") */
export const sessionKey = (secret: Uint8Array, clientNonceHex: string, serverNonceHex: string): Uint8Array =>
  hkdfSha256(secret, concatBytes(fromHex(clientNonceHex), fromHex(serverNonceHex)), "felund-session-v1");

/** base64(nonce12 || AES-GCM(key, nonce, json)) — without the trailing newline. */
export const encryptFrameLine = (key: Uint8Array, json: string, nonce: Uint8Array): string =>
  toBase64(concatBytes(nonce, aesGcmSeal(key, nonce, utf8(json))));

/** Inverse of encryptFrameLine; throws ProtocolError on anything undecodable. */
export function decryptFrameLine(key: Uint8Array, line: string): string {
  let raw: Uint8Array;
  try {
    raw = fromBase64(line.trim());
  } catch {
    throw new ProtocolError("encrypted frame is not base64");
  }
  if (raw.length < 28) throw new ProtocolError("encrypted frame too short");
  try {
    return fromUtf8(aesGcmOpen(key, raw.subarray(0, 12), raw.subarray(12)));
  } catch {
    throw new ProtocolError("encrypted frame failed authentication");
  }
}

/** Length in bytes of the line (incl. "\n") that an encrypted frame of `plainBytes` becomes. */
export const encryptedLineLength = (plainBytes: number): number => 4 * Math.ceil((12 + plainBytes + 16) / 3) + 1;

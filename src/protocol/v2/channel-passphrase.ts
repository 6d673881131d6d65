// The key of a `key` channel from its passphrase (docs/PROTOCOL.md §7): scrypt with the cost
// the creator signed into CHANNEL_CREATE. Apart from channel-keys.ts because scrypt is only
// needed to create or unlock such a channel (the web client loads it on demand).
import { scrypt } from "@noble/hashes/scrypt.js";
import { utf8 } from "../bytes.ts";
import { V2_PASSPHRASE_MAX, V2_PASSPHRASE_MIN, V2_SCRYPT_LOGN_MAX, V2_SCRYPT_LOGN_MIN } from "../limits.ts";
import { accept, reject, type Verdict } from "../verdict.ts";
import { tagged } from "./codec.ts";

export const channelKdfSalt = (circleId: string, channelId: string): Uint8Array =>
  tagged("felund2/channel-passphrase").str(circleId).str(channelId).finish();

/** key-mode channel key: scrypt(NFC passphrase, salt, N = 2^logN, r = 8, p = 1, 32 bytes) */
export function passphraseKey(
  passphrase: string,
  circleId: string,
  channelId: string,
  logN: number,
): Verdict<Uint8Array> {
  const p = passphrase.normalize("NFC");
  if (p.length < V2_PASSPHRASE_MIN || p.length > V2_PASSPHRASE_MAX) return reject("passphrase length out of range");
  if (!Number.isInteger(logN) || logN < V2_SCRYPT_LOGN_MIN || logN > V2_SCRYPT_LOGN_MAX)
    return reject("scrypt cost out of range");
  return accept(scrypt(utf8(p), channelKdfSalt(circleId, channelId), { N: 2 ** logN, r: 8, p: 1, dkLen: 32 }));
}

// The signer of a legacy circle's relay requests (PROTOCOL-V1.md §6.5): the newer original
// PHP relay answers 401 to peers, messages and unregister calls that are not signed with the
// circle's key. Other relays ignore the headers. The node imports it; the relay-only browser
// gets it from its legacy chunk (ui/web/src/relay/legacy.ts), as only legacy circles sign.
import type { Rng } from "../../protocol/crypto.ts";
import { toHex } from "../../protocol/bytes.ts";
import { relaySigningKey, relaySignHeaders } from "../../protocol/relay-sig.ts";
import type { RequestSigner } from "./api.ts";

/** `nowS`: Unix seconds; every request gets a fresh 16-byte nonce. */
export function legacySigner(secret: Uint8Array, nodeId: string, nowS: () => number, rng: Rng): RequestSigner {
  const key = relaySigningKey(secret);
  /**
   * A page cannot send the signature headers to a relay of another origin whose CORS does not
   * list them (the older relays): its fetch fails before anything is sent. Such a relay does not
   * check them, so requests go on unsigned, until one is refused for want of a signature.
   */
  let unsigned = false;
  return {
    keyHex: toHex(key),
    async send(method, path, body, go) {
      if (unsigned) {
        const res = await go();
        if (res.status === 401) unsigned = false;
        return res;
      }
      // the query is not signed
      const at = path.split("?")[0]!;
      const headers = relaySignHeaders({ key, nodeId, method, path: at, body, ts: Math.floor(nowS()), nonce: rng(16) });
      try {
        return await go(headers);
      } catch (e) {
        const res = await go().catch(() => {
          throw e;
        });
        unsigned = true;
        return res;
      }
    },
  };
}

// v2 session framing (docs/PROTOCOL.md §4.5). After the handshake every line is
//   base64(AES-256-GCM(k_dir, nonce = 0x00000000 || u64 counter, body, aad = "felund2/frame"))
// with one key per direction and an implicit counter starting at 0 on each side: a replayed,
// dropped, reordered or reflected frame (reflection: the other direction's key) fails to open,
// and so does a frame from another connection (fresh keys per handshake, PROTOCOL-V1.md W13).
// Any failure is fatal for the connection.
import { fromBase64, toBase64, utf8 } from "../bytes.ts";
import { V2_FRAME_MAX } from "../limits.ts";
import { ProtocolError } from "../verdict.ts";
import { aeadOpen, aeadSeal } from "./keys.ts";

const AAD = utf8("felund2/frame");
/** Far below 2^64; a connection never gets near it, and GCM's limits stay comfortable. */
const COUNTER_MAX = 2 ** 40;

function nonceOf(counter: number): Uint8Array {
  const n = new Uint8Array(12);
  const dv = new DataView(n.buffer);
  dv.setUint32(4, Math.floor(counter / 2 ** 32));
  dv.setUint32(8, counter >>> 0);
  return n;
}

export class FrameSealer {
  private counter = 0;
  constructor(private key: Uint8Array) {}
  seal(body: Uint8Array): string {
    if (body.length > V2_FRAME_MAX) throw new RangeError("v2 frame too large");
    if (this.counter >= COUNTER_MAX) throw new RangeError("v2 frame counter exhausted");
    return toBase64(aeadSeal(this.key, nonceOf(this.counter++), body, AAD));
  }
}

export class FrameOpener {
  private counter = 0;
  constructor(private key: Uint8Array) {}
  /** the frame body, or ProtocolError (the connection must close) */
  open(line: string): Uint8Array {
    if (line.length > 4 * Math.ceil((V2_FRAME_MAX + 16) / 3)) throw new ProtocolError("v2 frame too large");
    let raw: Uint8Array;
    try {
      raw = fromBase64(line);
    } catch {
      throw new ProtocolError("v2 frame is not base64");
    }
    if (this.counter >= COUNTER_MAX) throw new ProtocolError("v2 frame counter exhausted");
    const body = aeadOpen(this.key, nonceOf(this.counter), raw, AAD);
    if (!body) throw new ProtocolError("v2 frame failed authentication (replayed, reordered, reflected or forged)");
    this.counter++;
    return body;
  }
}

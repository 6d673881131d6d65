// A scripted peer of felund-core's newer release, written from the reference
// (felund-core-newer.md a1), not from our engine: the original-style FakePeer (fake-peer.ts)
// whose message objects have ten keys (`enc` last, after schema_version), and which receives
// as the newer release does: an unknown key drops the object; a non-null `enc` is decrypted
// with an AAD rebuilt from the clear fields and, on success, its display_name and text are
// taken (no MAC check on that path); a null or absent `enc` goes through the v1 MAC check.
import { fromHex, toHex } from "../../src/protocol/bytes.ts";
import { aesGcmOpen, aesGcmSeal, hkdfSha256, systemRng } from "../../src/protocol/crypto.ts";
import { circleIdFromSecret } from "../../src/protocol/ids.ts";
import { FakePeer, fakeMac, type WireObj } from "./fake-peer.ts";

const KNOWN = new Set([
  "msg_id",
  "circle_id",
  "author_node_id",
  "created_ts",
  "text",
  "channel_id",
  "display_name",
  "mac",
  "schema_version",
  "enc",
]);

const msgKey = (secretHex: string) => hkdfSha256(fromHex(secretHex), new Uint8Array(0), "felund-msg-v1");
const aad = (m: WireObj) =>
  new TextEncoder().encode(`${m.msg_id}|${m.circle_id}|${m.channel_id}|${m.author_node_id}|${m.created_ts}`);

/** `enc` over a display name and text (the AAD from the clear fields of `m`). */
export function encFor(secretHex: string, m: WireObj, displayName: string, text: string): WireObj {
  const nonce = systemRng(12);
  const pt = new TextEncoder().encode(JSON.stringify({ display_name: displayName, text }));
  const ct = aesGcmSeal(msgKey(secretHex), nonce, pt, aad(m));
  return {
    alg: "AES-256-GCM",
    key_id: "epoch-0",
    nonce: Buffer.from(nonce).toString("base64"),
    ciphertext: Buffer.from(ct).toString("base64"),
  };
}

/**
 * A message as the newer release writes it: schema 2 with `enc` (line-mode chat, control
 * events), or schema 1 with `"enc": null` (`send`, the TUI). `lie` puts another text in `enc`
 * than in the MAC'd clear field, as a dishonest member could.
 */
export function newerMessage(
  secretHex: string,
  author: string,
  text: string,
  o: { channel?: string; name?: string; ts?: number; encrypted?: boolean; lie?: string } = {},
): WireObj {
  const m: WireObj = {
    msg_id: toHex(systemRng(16)),
    circle_id: circleIdFromSecret(secretHex),
    author_node_id: author,
    created_ts: o.ts ?? Math.floor(Date.now() / 1000),
    text,
    channel_id: o.channel ?? "general",
    display_name: o.name ?? "newer",
    mac: "",
    schema_version: o.encrypted === false ? 1 : 2,
    enc: null,
  };
  m.mac = fakeMac(secretHex, m);
  if (o.encrypted !== false) m.enc = encFor(secretHex, m, String(m.display_name), o.lie ?? text);
  return m;
}

export class FakeNewerPeer extends FakePeer {
  /** display_name and text of each stored message as this release shows it (from `enc` when there is one) */
  readonly shown = new Map<string, string>();

  override checkMessage(m: WireObj): string {
    if (!m || typeof m !== "object") return "not an object";
    for (const k of ["msg_id", "circle_id", "author_node_id", "created_ts", "text"])
      if (!(k in m)) return `missing ${k}`;
    for (const k of Object.keys(m)) if (!KNOWN.has(k)) return `unknown key ${k}`;
    if (m.circle_id !== this.circleId) return "other circle";
    const enc = m.enc as WireObj | null | undefined;
    if (enc) {
      try {
        const raw = aesGcmOpen(
          msgKey(this.secretHex),
          Buffer.from(String(enc.nonce), "base64"),
          Buffer.from(String(enc.ciphertext), "base64"),
          aad({ ...m, channel_id: m.channel_id ?? "general" }),
        );
        const body = JSON.parse(new TextDecoder().decode(raw));
        this.shown.set(String(m.msg_id), `${body.display_name}: ${body.text}`);
        return "";
      } catch {
        return "enc does not decrypt";
      }
    }
    const mac = typeof m.mac === "string" ? m.mac : "";
    if (!mac || mac !== fakeMac(this.secretHex, m)) return "bad MAC";
    this.shown.set(String(m.msg_id), `${m.display_name ?? ""}: ${m.text}`);
    return "";
  }
}

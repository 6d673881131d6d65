// Message objects of felund-core's newer releases (PROTOCOL-V1.md "Schema-2 objects from newer
// originals"): a v1 object (§4.1) with a tenth key, `enc` — null, or the §4.4 envelope of the
// message's display_name and text — and schema_version 1 or 2. The MAC still covers the clear
// fields, so the object stripped of `enc` and schema_version is a valid v1 object. The newer
// original trusts `enc` alone and an older one the MAC'd clear fields: a member could show one
// text to one and another to the other, so an object is accepted only when both say the same.
import { messageKey, openEnc } from "./envelope.ts";
import { parseWireMessage, type ChatMessage } from "./message.ts";
import { accept, reject, type Verdict } from "./verdict.ts";

/** The `enc` object as the newer original writes it (alg "AES-256-GCM", key_id "epoch-0"). */
export interface EncObject {
  alg: string;
  key_id: string;
  nonce: string;
  ciphertext: string;
}

export interface ParsedWireObject {
  msg: ChatMessage;
  /** the object's `enc` when it is one (schema 2); null when absent or null */
  enc: EncObject | null;
  /** the object has the tenth key at all: only a newer original writes it (null on its plain ones) */
  tenth: boolean;
}

const ENC_KEYS = ["alg", "key_id", "nonce", "ciphertext"];
/** alg and key_id are labels the originals never check; bounded so a forwarded object stays small */
const ENC_LABEL_MAX = 32;

/**
 * Type-check a received message object of either release: the v1 keys by parseWireMessage,
 * plus `enc` (null or an object of exactly its four string fields) and, with `enc`,
 * schema_version 1 or 2. The MAC and the enc check are separate (checkEnc).
 */
export function parseWireObject(o: unknown): Verdict<ParsedWireObject> {
  if (!o || typeof o !== "object" || Array.isArray(o)) return reject("message is not an object");
  if (!Object.hasOwn(o, "enc")) {
    const p = parseWireMessage(o);
    return p.ok ? accept({ msg: p.value, enc: null, tenth: false }) : p;
  }
  const { enc, ...rest } = o as Record<string, unknown>;
  if (rest.schema_version !== undefined && rest.schema_version !== 1 && rest.schema_version !== 2)
    return reject("schema_version must be 1 or 2");
  if (enc !== null) {
    if (typeof enc !== "object" || Array.isArray(enc)) return reject("enc must be null or an object");
    const e = enc as Record<string, unknown>;
    const keys = Object.keys(e);
    if (keys.length !== ENC_KEYS.length || !ENC_KEYS.every((k) => typeof e[k] === "string"))
      return reject("enc must hold exactly alg, key_id, nonce and ciphertext, as strings");
    if ((e.alg as string).length > ENC_LABEL_MAX || (e.key_id as string).length > ENC_LABEL_MAX)
      return reject("enc alg and key_id must be short");
  }
  const p = parseWireMessage(rest);
  return p.ok ? accept({ msg: p.value, enc: enc as EncObject | null, tenth: true }) : p;
}

/** the message key of each circle secret, derived once */
const keys = new WeakMap<Uint8Array, Uint8Array>();
function keyOf(secret: Uint8Array): Uint8Array {
  let k = keys.get(secret);
  if (!k) keys.set(secret, (k = messageKey(secret)));
  return k;
}

/**
 * `enc` must open under the circle's message key, with the AAD of the object's clear fields,
 * and hold exactly the clear display_name and text (which the caller checked by their MAC).
 */
export function checkEnc(secret: Uint8Array, m: ChatMessage, enc: EncObject): Verdict {
  const body = openEnc(keyOf(secret), enc, m);
  if (!body.ok) return reject(`enc: ${body.reason}`);
  if (body.value.displayName !== m.displayName || body.value.text !== m.text)
    return reject("enc does not match the MAC'd display_name and text");
  return accept(undefined);
}

// The attachment vectors (docs/PROTOCOL.md §20), written to tests/vectors/v2-attachment.json by
// `bun tests/v2/attachment-vectors.ts` and replayed by attachment.test.ts: every output is
// recomputed from the inputs in the file. Kept apart from vector-cases.ts (one family per file).
import { writeFileSync } from "node:fs";
import { fromHex, toHex } from "../../src/protocol/bytes.ts";
import {
  type Attachment,
  attachmentBody,
  chunkError,
  decodeDescriptor,
  encodeDescriptor,
  openAttachment,
  openFile,
  sealFile,
} from "../../src/protocol/v2/attachment.ts";
import { decodeFrame, encodeFrame } from "../../src/protocol/v2/frames.ts";
import { fill, type Json } from "./vector-inputs.ts";

/** The file of a vector: byte i = (seed + 17·i) mod 256, `size` bytes. */
export const fileOf = (seed: number, size: number): Uint8Array => fromHex(fill(seed, size));

export function compute(c: Json): Json {
  const file = fileOf(c.file_seed, c.file_size);
  const key = fromHex(c.file_key);
  const sealed = sealFile(key, file);
  const a: Attachment = {
    name: c.file_name,
    size: file.length,
    mime: c.mime,
    key,
    chunks: sealed.ids,
    caption: c.caption,
    thumbMime: c.thumb_mime,
    thumb: fromHex(c.thumb_hex),
  };
  const where = { circleId: c.circle_id, channelId: c.channel_id };
  const seal = c.channel_key
    ? { key: fromHex(c.channel_key), ...where, keyVersion: c.key_version, nonce: fromHex(c.nonce) }
    : undefined;
  const body = attachmentBody(a, seal);
  const opened = openAttachment(body, where, seal?.key)!;
  const back = openFile(opened, sealed.chunks)!;
  if (toHex(back) !== toHex(file)) throw new Error("file does not round-trip");
  return {
    chunk_ids: sealed.ids,
    first_chunk_sealed_prefix_hex: toHex(sealed.chunks[0]!.subarray(0, 32)),
    last_chunk_sealed_len: sealed.chunks.at(-1)!.length,
    descriptor_hex: toHex(encodeDescriptor(a)),
    body_hex: toHex(body),
  };
}

/** The reason an invalid case is refused (the decoder's error message). */
export function check(c: Json): string {
  try {
    if (c.descriptor_hex) decodeDescriptor(fromHex(c.descriptor_hex));
    else if (c.frame_hex) decodeFrame(fromHex(c.frame_hex));
    else return chunkError(c.chunk_id, fromHex(c.sealed_hex)) ?? "accepted";
    return "accepted";
  } catch (e) {
    return (e as Error).message;
  }
}

const KEY = fill(90, 32);
const valid = [
  {
    name: "plain: 3 chunks (2 full, 1 short), JPEG thumbnail, caption",
    circle_id: "c0ffee00c0ffee00c0ffee00c0ffee00",
    channel_id: "general",
    file_seed: 7,
    file_size: 2 * 65536 + 100,
    file_key: KEY,
    file_name: "holiday.jpg",
    mime: "image/jpeg",
    caption: "the lake",
    thumb_mime: "image/jpeg",
    thumb_hex: "ffd8ffe000104a464946" + fill(91, 40),
  },
  {
    name: "sealed channel: one chunk, no thumbnail",
    circle_id: "c0ffee00c0ffee00c0ffee00c0ffee00",
    channel_id: "secret",
    file_seed: 8,
    file_size: 1000,
    file_key: fill(92, 32),
    file_name: "notes.txt",
    mime: "text/plain",
    caption: "",
    thumb_mime: "",
    thumb_hex: "",
    channel_key: fill(93, 32),
    key_version: 2,
    nonce: fill(94, 12),
  },
];

function invalidCases(): Json[] {
  const good = compute(valid[0]);
  const d = fromHex(good.descriptor_hex);
  // size field (after str name) raised by one chunk's worth: the chunk list no longer matches
  const nameLen = 4 + "holiday.jpg".length;
  const wrongSize = d.slice();
  wrongSize[nameLen + 5] = (wrongSize[nameLen + 5]! + 1) & 255;
  const sealed = sealFile(fromHex(KEY), fileOf(7, 100)).chunks[0]!;
  const tampered = sealed.slice();
  tampered[0] ^= 1;
  return [
    {
      name: "size does not match the chunk list",
      descriptor_hex: toHex(wrongSize),
      reason: "attachment: chunk count does not match the size",
    },
    {
      name: "truncated descriptor",
      descriptor_hex: toHex(d.subarray(0, d.length - 3)),
      reason: "attachment: truncated",
    },
    {
      name: "BLOB_DATA with an unknown status",
      frame_hex: toHex(encodeFrame({ t: "blob_data", id: new Uint8Array(16), data: null })).slice(0, -2) + "02",
      reason: "frame: unknown BLOB_DATA status",
    },
    {
      name: "BLOB_WANT of 65 chunks",
      frame_hex: "0a00000041" + "00".repeat(16 * 65),
      reason: "frame: too many items (65 > 64)",
    },
    {
      name: "BLOB_DATA larger than a sealed chunk",
      frame_hex: "0b" + "00".repeat(16) + "00" + "00010011",
      reason: "frame: field too long (65553 > 65552)",
    },
    {
      name: "chunk that does not match its id",
      chunk_id: toHex(new Uint8Array(16)),
      sealed_hex: toHex(tampered),
      reason: "chunk does not match its id",
    },
  ];
}

if (import.meta.main) {
  const out = {
    description:
      "Attachments (§20): a file (byte i = (file_seed + 17·i) mod 256) sealed in 64 KiB chunks under file_key; chunk ids, the descriptor and the kind-7 body (sealed under channel_key when given). Invalid: descriptors, frames and chunks that are refused, with the reason.",
    valid: valid.map((v) => ({ ...v, expect: compute(v) })),
    invalid: invalidCases().map((x) => {
      const got = check(x);
      if (got !== x.reason) throw new Error(`${x.name}: expected "${x.reason}", got "${got}"`);
      return x;
    }),
  };
  writeFileSync(new URL("../vectors/v2-attachment.json", import.meta.url), JSON.stringify(out, null, 2) + "\n");
  console.log(`v2-attachment.json: ${out.valid.length} valid, ${out.invalid.length} invalid`);
}

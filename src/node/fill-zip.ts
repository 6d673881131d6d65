// deflate-raw for the streamed fill (docs/PROTOCOL.md §23): the node's zlib, handed to the v2
// engines (V2Deps.zip) so the pure sync layer compresses without a runtime import.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { Zip } from "../protocol/v2/fill.ts";

export const nodeZip: Zip = {
  // level 1: most of a fill's size is signatures, keys and salts, which no level shrinks
  deflate: (b) => deflateRawSync(b, { level: 1 }),
  inflate: (b, max) => inflateRawSync(b, { maxOutputLength: Math.max(1, max) }),
};

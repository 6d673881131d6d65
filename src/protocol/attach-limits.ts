// Attachment bounds (docs/PROTOCOL.md §20), re-exported by limits.ts with every other bound:
// each with its reason.

/** Plaintext bytes per chunk; each chunk is sealed on its own and named by the hash of its sealed bytes. */
export const ATTACH_CHUNK_BYTES = 64 * 1024;
/** A sealed chunk: one plaintext chunk + its 16-byte AES-GCM tag; anything larger is refused unread. */
export const ATTACH_SEALED_CHUNK_MAX = ATTACH_CHUNK_BYTES + 16;
/** Chunks one attachment may list (32 MiB): keeps the signed message within V2_MESSAGE_MAX. */
export const ATTACH_CHUNKS_MAX = 512;
/** Largest file the protocol can describe; the configurable limit is at most this. */
export const ATTACH_PROTOCOL_MAX = ATTACH_CHUNKS_MAX * ATTACH_CHUNK_BYTES;
/** Default largest file sent or fetched (setting attach_max_bytes, env FELUND_ATTACH_MAX_BYTES). */
export const ATTACH_FILE_MAX_DEFAULT = 25 * 1000 * 1000;
/** An image's thumbnail inside the signed message (a 96 px JPEG/WebP is 2-6 KiB). */
export const ATTACH_THUMB_MAX = 8 * 1024;
/** File name (UTF-8 bytes) and MIME type of an attachment. */
export const ATTACH_NAME_MAX = 255;
export const ATTACH_MIME_MAX = 127;
/** Caption of an attachment (UTF-8 bytes): a short text, not a second message. */
export const ATTACH_CAPTION_MAX = 2048;
/** Chunks asked for in one BLOB_WANT frame (each answer is one BLOB_DATA frame of ≤ 64 KiB + 16). */
export const BLOB_WANT_MAX = 64;
/** Sealed chunk bytes one circle may keep on a relay (refused with 429 beyond; expired like envelopes). */
export const RELAY_BLOB_QUOTA_BYTES = 256 * 1024 * 1024;

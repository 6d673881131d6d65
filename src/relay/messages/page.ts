// The JSON of a page and of a push frame, assembled from stored envelope JSON as it is:
// pages are memcpy of cached UTF-8 bytes (no re-serialising, no re-encoding per request).
import type { EnvelopeRow, StoredEnvelope } from "./store.ts";

const enc = new TextEncoder();
const PAGE_HEAD = enc.encode('{"ok":true,"messages":[');
const FRAME_HEAD = enc.encode('{"t":"MESSAGES","messages":[');

/** What the cache keeps per envelope: "," + its JSON, so rows concatenate without separators. */
export const rowBytes = (payload: string): Uint8Array => enc.encode("," + payload);

function assemble(head: Uint8Array, rows: EnvelopeRow[], tail: string): Uint8Array<ArrayBuffer> {
  const parts = new Array<Uint8Array>(rows.length + 2);
  parts[0] = head;
  let size = head.length + tail.length;
  for (let i = 0; i < rows.length; i++) {
    const b = i ? rows[i]!.bytes : rows[i]!.bytes.subarray(1);
    parts[i + 1] = b;
    size += b.length;
  }
  parts[rows.length + 1] = enc.encode(tail); // ASCII: digits, punctuation, true/false
  return Buffer.concat(parts, size) as unknown as Uint8Array<ArrayBuffer>;
}

const seqList = (rows: { seq: number }[]): string => rows.map((r) => r.seq).join(",");

/** {"ok":true,"messages":[…],"server_time":…,"cursors":[…],"next_cursor":…,"more":…} */
export function pageJson(
  rows: EnvelopeRow[],
  serverTime: number,
  nextCursor: number,
  more: boolean,
): Uint8Array<ArrayBuffer> {
  return assemble(
    PAGE_HEAD,
    rows,
    `],"server_time":${serverTime},"cursors":[${seqList(rows)}],"next_cursor":${nextCursor},"more":${more}}`,
  );
}

/**
 * A newest-first page (`before`, docs/PROTOCOL.md §27): the rows oldest first as every page,
 * next_cursor its highest seq (0 when empty: where forward paging goes on after the newest page),
 * more: rows below it, before_cursor its lowest seq (the `before` that was asked when empty).
 */
export function beforePageJson(
  rows: EnvelopeRow[],
  serverTime: number,
  seqs: number[],
  before: number,
  more: boolean,
  total?: number,
): Uint8Array<ArrayBuffer> {
  const next = seqs.length ? seqs[seqs.length - 1]! : 0;
  const low = seqs.length ? seqs[0]! : before;
  return assemble(
    PAGE_HEAD,
    rows,
    `],"server_time":${serverTime},"cursors":[${seqList(rows)}],"next_cursor":${next},"more":${more},"before_cursor":${low}${total === undefined ? "" : `,"total":${total}`}}`,
  );
}

/** The backlog frame from cached rows, as text (WebSocket text frame). */
export function backlogFrame(rows: EnvelopeRow[], serverTime: number): string {
  return new TextDecoder().decode(
    assemble(FRAME_HEAD, rows, `],"server_time":${serverTime},"cursors":[${seqList(rows)}]}`),
  );
}

/** {"t":"MESSAGES","messages":[…],"server_time":…,"cursors":[…]} from envelopes just stored. */
export function pushFrame(rows: StoredEnvelope[], serverTime: number): string {
  let msgs = "";
  for (let i = 0; i < rows.length; i++) msgs += i ? "," + rows[i]!.payload : rows[i]!.payload;
  return `{"t":"MESSAGES","messages":[${msgs}],"server_time":${serverTime},"cursors":[${seqList(rows)}]}`;
}

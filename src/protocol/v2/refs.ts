// Message kinds that refer to another message (docs/PROTOCOL.md §18): reply (3), reaction (4),
// edit (5) and delete (6). They are ordinary signed v2 messages (message.ts) whose body names the
// target by its msg_id:
//
//   body    = fixed16 target msg_id | u8 form | bytes payload
//   form 0  = payload is the clear UTF-8 content; form 1 = payload is a sealed body (§7, the kind-1
//             layout) over that content, for a channel with a key. A delete has form 0 and no payload.
//   content = reply: "> NAME: LINE\n\nTEXT" (the quote is part of what the author signed, so every
//             node derives the same row and v1 MAC); reaction: "+" or "-" then one emoji (add /
//             remove); edit: the new text.
// The row a store keeps for one (and what a legacy circle's original peers get, §18.3) is its
// `rowText`: a reply's content as is, an edit as "(edit) TEXT", a reaction as its content, a delete
// as "".
import { fromHex, fromUtf8, toHex, utf8, utf8Length } from "../bytes.ts";
import { MAX_TEXT_BYTES, REACTION_MAX_BYTES } from "../limits.ts";
import { decodeSealedBody } from "./channel-keys.ts";
import { Reader, V2DecodeError, Writer } from "./codec.ts";

export const KIND_REPLY = 3;
export const KIND_REACTION = 4;
export const KIND_EDIT = 5;
export const KIND_DELETE = 6;
export type RefKind = 3 | 4 | 5 | 6;
export const isRefKind = (k: number | null | undefined): k is RefKind =>
  k !== null && k !== undefined && k >= 3 && k <= 6;
/** kinds that annotate their target instead of showing as a message of their own */
export const isAnnotation = (k: number | null | undefined): boolean => k === 4 || k === 5 || k === 6;

export const FORM_CLEAR = 0;
export const FORM_SEALED = 1;

export interface RefBody {
  targetId: string;
  form: 0 | 1;
  payload: Uint8Array;
}

/** "(edit) " before an edit's text in its row and for original peers */
export const EDIT_MARK = "(edit) ";

export function encodeRefBody(b: RefBody): Uint8Array {
  return new Writer().fixed(fromHex(b.targetId), 16).u8(b.form).bytes(b.payload).finish();
}

export function decodeRefBody(body: Uint8Array): RefBody {
  const r = new Reader(body, "ref body");
  const targetId = toHex(r.fixed(16));
  const form = r.u8();
  if (form !== FORM_CLEAR && form !== FORM_SEALED) throw new V2DecodeError("ref body: unknown form");
  const payload = r.bytes(MAX_TEXT_BYTES + 64);
  r.end();
  return { targetId, form, payload };
}

/**
 * Structure and bounds of a ref body of `kind` (clear content is checked now; sealed content when
 * opened). The refusal reason, or null.
 */
export function refBodyError(kind: RefKind, body: Uint8Array): string | null {
  let b: RefBody;
  try {
    b = decodeRefBody(body);
  } catch (e) {
    return (e as Error).message;
  }
  if (kind === KIND_DELETE) return b.form === FORM_CLEAR && b.payload.length === 0 ? null : "delete carries no content";
  if (b.form === FORM_SEALED) {
    try {
      decodeSealedBody(b.payload);
    } catch (e) {
      return (e as Error).message;
    }
    return null;
  }
  let text: string;
  try {
    text = fromUtf8(b.payload);
  } catch {
    return "content is not UTF-8";
  }
  return contentError(kind, text);
}

/** Rules on the (opened) content of a ref kind; null when it is fine. */
export function contentError(kind: RefKind, text: string): string | null {
  if (kind === KIND_DELETE) return text === "" ? null : "delete carries no content";
  if (kind === KIND_REACTION) {
    const op = text[0];
    const emoji = text.slice(1);
    if (op !== "+" && op !== "-") return "reaction must start with + or -";
    if (!emoji || utf8Length(emoji) > REACTION_MAX_BYTES || /\s/u.test(emoji)) return "reaction is not one emoji";
    return null;
  }
  if (!text.trim()) return "empty text";
  const max = kind === KIND_EDIT ? MAX_TEXT_BYTES - utf8Length(EDIT_MARK) : MAX_TEXT_BYTES;
  return utf8Length(text) > max ? "text too long" : null;
}

/** The text a store keeps in the row of a ref kind (and a legacy circle's v1 object carries). */
export function rowText(kind: RefKind, content: string): string {
  if (kind === KIND_EDIT) return EDIT_MARK + content;
  if (kind === KIND_DELETE) return "";
  return content;
}

/** The content back from a row's text (an edit loses its mark). */
export const contentOfRow = (kind: number, text: string): string =>
  kind === KIND_EDIT && text.startsWith(EDIT_MARK) ? text.slice(EDIT_MARK.length) : text;

/** Longest quoted first line (in characters) a reply carries. */
export const QUOTE_LINE_MAX = 80;

/** A reply's content: the quoted author and first line of the target, then the text. */
export function replyContent(quoteName: string, targetText: string, text: string): string {
  const first = (targetText.split("\n").find((l) => l.trim()) ?? "").trim();
  const line = first.length > QUOTE_LINE_MAX ? `${first.slice(0, QUOTE_LINE_MAX - 1)}…` : first;
  const name = quoteName.replace(/[\n:]/g, " ").trim() || "?";
  return `> ${name}: ${line}\n\n${text}`;
}

/** A reply's content split into its quote and its own text (a content not in that form is all text). */
export function parseReply(content: string): { name: string; line: string; text: string } {
  const m = /^> ([^:\n]*): ([^\n]*)\n\n/.exec(content);
  if (!m) return { name: "", line: "", text: content };
  return { name: m[1]!, line: m[2]!, text: content.slice(m[0].length) };
}

/** A reaction's content: "+" (add) or "-" (remove) then the emoji. */
export const reactionContent = (emoji: string, add: boolean): string => (add ? "+" : "-") + emoji;
export const parseReaction = (content: string): { emoji: string; add: boolean } => ({
  emoji: content.slice(1),
  add: content[0] === "+",
});

export const clearPayload = (content: string): Uint8Array => utf8(content);

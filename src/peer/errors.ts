// The one error for what a user asked and cannot have (unknown circle, wrong key, not the
// owner...): a stable code for programs, the HTTP status the local API answers with, and a
// message shown as-is. Shared by the node, the CLI, the local API and both front ends. A bug
// (TypeError and the like) is never one of these: it stays a crash (STYLE 5).
import type { Verdict } from "../protocol/verdict.ts";
import type { StoredMessage } from "../sync/store.ts";

export type ErrorCode =
  | "E_BAD_INPUT"
  | "E_AMBIGUOUS"
  | "E_BAD_INVITE"
  | "E_EMPTY"
  /** the peer's rules refuse it (a verdict of src/sync, a state that does not allow it) */
  | "E_REFUSED"
  | "E_UNAUTHORIZED"
  | "E_FORBIDDEN"
  | "E_OWNER_ONLY"
  | "E_NO_KEY"
  | "E_WRONG_KEY"
  | "E_NOT_ADMITTED"
  | "E_NOT_FOUND"
  | "E_UNKNOWN_CIRCLE"
  | "E_UNKNOWN_CHANNEL"
  | "E_UNKNOWN_MEMBER"
  | "E_CONFLICT"
  | "E_EXISTS"
  | "E_TOO_LONG"
  | "E_INVALID"
  | "E_RATE_LIMITED"
  /** the machine refused (a port in use, a file that cannot be opened) */
  | "E_SYSTEM"
  | "E_UNREACHABLE";

/**
 * The HTTP status of each code that is not 400; the first code of a status is the generic one
 * for it. (Only these are data: the browser's first load carries every byte of it.)
 */
export const STATUS: { [C in ErrorCode]?: number } = {
  E_UNAUTHORIZED: 401,
  E_FORBIDDEN: 403,
  E_OWNER_ONLY: 403,
  E_NO_KEY: 403,
  E_WRONG_KEY: 403,
  E_NOT_ADMITTED: 403,
  E_NOT_FOUND: 404,
  E_UNKNOWN_CIRCLE: 404,
  E_UNKNOWN_CHANNEL: 404,
  E_UNKNOWN_MEMBER: 404,
  E_CONFLICT: 409,
  E_EXISTS: 409,
  E_TOO_LONG: 413,
  E_INVALID: 422,
  E_RATE_LIMITED: 429,
  E_SYSTEM: 500,
  E_UNREACHABLE: 503,
};

export class FelundError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number = STATUS[code] ?? 400,
  ) {
    super(message);
    this.name = "FelundError";
  }
}

/** The row a verdict of the v2 engine stored, or its refusal as a user error. */
export function rowOf(v: Verdict<{ row: StoredMessage }>, code: ErrorCode = "E_REFUSED"): StoredMessage {
  if (!v.ok) throw new FelundError(/owner/.test(v.reason) ? "E_OWNER_ONLY" : code, v.reason);
  return v.value.row;
}

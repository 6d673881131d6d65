// The one error for what a user asked and cannot have (unknown circle, wrong key, not the
// owner, a bad argument...): a stable code for programs, the HTTP status an API answers with,
// and a message shown as-is. Thrown by sync, peer, node, relay, CLI and both front ends alike,
// hence here at the bottom. A bug (TypeError and the like) is never one of these: it stays a
// crash (STYLE 5); a peer's malformed frame is a ProtocolError (verdict.ts), not a user's.

export type ErrorCode =
  | "E_BAD_INPUT"
  /** a command used wrongly: a command-line argument (exit status 2), a slash command's arguments */
  | "E_USAGE"
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
  /** the machine refused (a port in use, a file that cannot be opened, a full disk) */
  | "E_SYSTEM"
  /** a relay or node did not answer, or answered with an error of its own */
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

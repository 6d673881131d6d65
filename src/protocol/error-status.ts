// The code of an HTTP status, for what carries a status but no code: an answer of an older
// node or of another part of the HTTP stack. Apart from errors.ts because the relay-only
// browser's first load needs the class, not this.
import { type ErrorCode, STATUS } from "./errors.ts";

/** The first (generic) code of `status`; E_BAD_INPUT for a status no code has. */
export const codeForStatus = (status: number): ErrorCode =>
  (Object.keys(STATUS) as ErrorCode[]).find((k) => STATUS[k] === status) ?? "E_BAD_INPUT";

// The user error of src/protocol/errors.ts, re-exported where the peer's callers have always
// found it, plus `rowOf`, which maps a verdict of the v2 engine onto it (it needs sync's types).
import { type ErrorCode, FelundError } from "../protocol/errors.ts";
import type { Verdict } from "../protocol/verdict.ts";
import type { StoredMessage } from "../sync/store.ts";

export { type ErrorCode, FelundError, STATUS } from "../protocol/errors.ts";

/** The row a verdict of the v2 engine stored, or its refusal as a user error. */
export function rowOf(v: Verdict<{ row: StoredMessage }>, code: ErrorCode = "E_REFUSED"): StoredMessage {
  if (!v.ok) throw new FelundError(/owner/.test(v.reason) ? "E_OWNER_ONLY" : code, v.reason);
  return v.value.row;
}

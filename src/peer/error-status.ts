// Re-exported where its callers have always found it (src/protocol/error-status.ts).
export { codeForStatus } from "../protocol/error-status.ts";

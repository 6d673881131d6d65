// Validation outcomes. Validators return verdicts instead of throwing; each edge maps a
// Reject to its own protocol ERROR, HTTP status or UI notice.
export type Verdict<T = void> = { ok: true; value: T } | { ok: false; kind: "ignore" | "reject"; reason: string };

export const accept = <T>(value: T): Verdict<T> => ({ ok: true, value });
export const reject = (reason: string): { ok: false; kind: "reject"; reason: string } => ({
  ok: false,
  kind: "reject",
  reason,
});
export const ignore = (reason: string): { ok: false; kind: "ignore"; reason: string } => ({
  ok: false,
  kind: "ignore",
  reason,
});

/** Thrown by decoders of a peer's input (never by our own bugs). */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

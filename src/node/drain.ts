// Stopping an HTTP server gracefully: requests already being served finish, but a client
// that keeps its connection alive would otherwise go on sending new requests on it and hold
// the drain open. Once draining, a new request gets 503 with `Connection: close` (clients
// retry elsewhere or later; nothing was acknowledged), so the connections empty out.
export interface DrainGate {
  /** From now on new requests are refused. */
  begin(): void;
  /** The answer for a new request while draining, else undefined. */
  refuse(): Response | undefined;
}

export function drainGate(): DrainGate {
  let draining = false;
  return {
    begin() {
      draining = true;
    },
    refuse: () =>
      draining
        ? Response.json(
            { ok: false, error: "shutting down", code: "E_UNREACHABLE" },
            { status: 503, headers: { connection: "close", "retry-after": "5" } },
          )
        : undefined,
  };
}

/** Wait for `p`, at most `ms`; whether it settled in time. */
export const within = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref()),
  ]);

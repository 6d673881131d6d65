// Graceful shutdown of the long-running commands: on SIGTERM or SIGINT run the command's own
// stop (stop accepting, let requests being served finish, close WebSockets with 1001, checkpoint
// the WAL) and exit 0. A stop that hangs does not hold the process past the deadline (exit 1),
// and a second signal exits at once (130), as an impatient Ctrl-C expects.
import { SHUTDOWN_DEADLINE_MS } from "../protocol/limits.ts";
import { logEvent } from "../peer/log.ts";

export function stopOnSignals(name: string, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      logEvent("warn", "shutdown.again", `felund ${name}: ${signal} again, exiting now`, { signal });
      process.exit(130);
    }
    stopping = true;
    logEvent("info", "shutdown", `felund ${name}: ${signal}, shutting down`, { signal });
    setTimeout(() => {
      logEvent("error", "shutdown.timeout", `felund ${name}: shutdown took over ${SHUTDOWN_DEADLINE_MS} ms, exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    stop().then(
      () => process.exit(0),
      (e) => {
        logEvent(
          "error",
          "shutdown.failed",
          `felund ${name}: shutdown failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
          { error: e },
        );
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
}

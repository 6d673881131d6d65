// Graceful shutdown of the long-running commands: on SIGTERM or SIGINT run the command's own
// stop (stop accepting, let requests being served finish, close WebSockets with 1001, checkpoint
// the WAL) and exit 0. A stop that hangs does not hold the process past the deadline (exit 1),
// and a second signal exits at once (130), as an impatient Ctrl-C expects.
import { SHUTDOWN_DEADLINE_MS } from "../protocol/limits.ts";

export function stopOnSignals(name: string, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      console.error(`felund ${name}: ${signal} again, exiting now`);
      process.exit(130);
    }
    stopping = true;
    console.error(`felund ${name}: ${signal}, shutting down`);
    setTimeout(() => {
      console.error(`felund ${name}: shutdown took over ${SHUTDOWN_DEADLINE_MS} ms, exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    stop().then(
      () => process.exit(0),
      (e) => {
        console.error(`felund ${name}: shutdown failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
}

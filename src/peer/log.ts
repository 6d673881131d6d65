// The process log of the node and the relay (`--log-format text|json`, README "Logs"). Text
// (the default) prints each line as it always did; json prints one object per line:
// {"level","time","event","msg", ...fields}. One process, one format: the CLI sets it at start.
export type LogFormat = "text" | "json";
export type LogLevel = "debug" | "info" | "warn" | "error";

let format: LogFormat = "text";
/** the host's stderr (this layer is typed without the runtime's globals) */
const stderr = (line: string) => (globalThis as unknown as { console: { error(l: string): void } }).console.error(line);

export function setLogFormat(f: LogFormat): void {
  format = f;
}
export const logFormat = (): LogFormat => format;

/** Fields that are errors become their message (and stack); everything else as JSON has it. */
const plain = (v: unknown): unknown =>
  v instanceof Error ? { message: v.message, ...(v.stack ? { stack: v.stack } : {}) } : v;

/**
 * Log one event: `text` is the line a human reads (text format); `fields` go beside it in json.
 * `to` is the stream (stderr by default; the start-up lines a person reads go to stdout).
 */
export function logEvent(
  level: LogLevel,
  event: string,
  text: string,
  fields?: Record<string, unknown>,
  to: (line: string) => void = stderr,
): void {
  if (format === "text") {
    to(text);
    return;
  }
  const o: Record<string, unknown> = { level, time: new Date().toISOString(), event, msg: text };
  if (fields) for (const [k, v] of Object.entries(fields)) if (!(k in o)) o[k] = plain(v);
  to(JSON.stringify(o));
}

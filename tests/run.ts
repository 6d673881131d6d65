// Runs the whole suite with `bun test` and ends with the plain line "N passed, N failed"
// (bun prints its own summary to stderr in another format). Exits non-zero on any failure.
// Before that line it repeats each failure with its file and the lines bun printed for it, so
// the end of a CI log names what failed (bun's own list says "(unnamed)" for errors that happen
// outside a test, and names no file).
const args = process.argv.slice(2);
const proc = Bun.spawn([process.execPath, "test", ...args], {
  cwd: new URL("..", import.meta.url).pathname,
  stdout: "inherit",
  stderr: "pipe",
  env: { ...process.env, FORCE_COLOR: "0" },
});
let tail = "";
let partial = "";
let file = "";
let recent: string[] = [];
let inSummary = false;
const failures: string[] = [];
const onLine = (line: string) => {
  if (/^\d+ tests? failed:$/.test(line.trim())) inSummary = true;
  if (inSummary) return;
  const header = line.match(/^(\S+\.test\.tsx?):$/);
  if (header) {
    file = header[1];
    recent = [];
    return;
  }
  if (line.startsWith("(pass)") || line.startsWith("(skip)") || line.startsWith("(todo)")) {
    recent = [];
    return;
  }
  if (line.startsWith("(fail)")) {
    failures.push([`${file || "?"} ${line}`, ...recent.slice(-30).map((l) => `    ${l}`)].join("\n"));
    recent = [];
    return;
  }
  recent.push(line);
};
const decoder = new TextDecoder();
const reader = proc.stderr.getReader();
for (;;) {
  const { done, value } = await reader.read();
  if (done) break;
  const text = decoder.decode(value, { stream: true });
  process.stderr.write(text);
  tail = (tail + text).slice(-20000);
  const lines = (partial + text).split("\n");
  partial = lines.pop() ?? "";
  for (const l of lines) onLine(l);
}
if (partial) onLine(partial);
const code = await proc.exited;
const num = (re: RegExp) => Number(tail.match(re)?.[1] ?? 0);
const passed = num(/^\s*(\d+) pass\b/m);
const failed = num(/^\s*(\d+) fail\b/m);
const errors = num(/^\s*(\d+) errors?\b/m) + (/\bUnhandled error/.test(tail) ? 1 : 0);
const total = failed + (code !== 0 && failed === 0 ? Math.max(errors, 1) : 0);
if (failures.length > 0)
  console.log(`\nFailures, with the file and what bun printed before each:\n\n${failures.join("\n\n")}\n`);
console.log(`${passed} passed, ${total} failed`);
process.exit(code !== 0 || total > 0 || passed === 0 ? 1 : 0);

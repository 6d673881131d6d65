// Runs the whole suite with `bun test` and ends with the plain line "N passed, N failed"
// (bun prints its own summary to stderr in another format). Exits non-zero on any failure.
const args = process.argv.slice(2);
const proc = Bun.spawn([process.execPath, "test", ...args], {
  cwd: new URL("..", import.meta.url).pathname,
  stdout: "inherit",
  stderr: "pipe",
  env: { ...process.env, FORCE_COLOR: "0" },
});
let tail = "";
const decoder = new TextDecoder();
const reader = proc.stderr.getReader();
for (;;) {
  const { done, value } = await reader.read();
  if (done) break;
  const text = decoder.decode(value, { stream: true });
  process.stderr.write(text);
  tail = (tail + text).slice(-20000);
}
const code = await proc.exited;
const num = (re: RegExp) => Number(tail.match(re)?.[1] ?? 0);
const passed = num(/^\s*(\d+) pass\b/m);
const failed = num(/^\s*(\d+) fail\b/m);
const errors = num(/^\s*(\d+) errors?\b/m) + (/\bUnhandled error/.test(tail) ? 1 : 0);
const total = failed + (code !== 0 && failed === 0 ? Math.max(errors, 1) : 0);
console.log(`${passed} passed, ${total} failed`);
process.exit(code !== 0 || total > 0 || passed === 0 ? 1 : 0);

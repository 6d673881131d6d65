// Resource use of a process from /proc (Linux): resident memory and CPU time.
import { readFileSync } from "node:fs";

/** Resident memory in KiB: total (VmRSS), private (RssAnon) and mapped files (RssFile). */
export function rssKiB(pid: number): { rss: number; anon: number; file: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (k: string) => Number(s.match(new RegExp(`^${k}:\\s+(\\d+)\\s+kB`, "m"))?.[1] ?? 0);
  return { rss: kib("VmRSS"), anon: kib("RssAnon"), file: kib("RssFile") };
}

/** utime + stime in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuTicks(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  // the command name (field 2) may contain spaces; fields after ")" are positional
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** utime + stime of one thread of a process in clock ticks (a process's main thread: tid = pid). */
export function threadCpuTicks(pid: number, tid = pid): number {
  const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** Clock ticks per second (USER_HZ); 100 on practically every Linux. */
export function clockTicks(): number {
  const r = Bun.spawnSync(["getconf", "CLK_TCK"]);
  const n = Number(r.stdout.toString().trim());
  return n > 0 ? n : 100;
}

export function machine() {
  const mem = readFileSync("/proc/meminfo", "utf8").match(/^MemTotal:\s+(\d+)/m);
  const cpu = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.+)$/m);
  const nproc = Number(Bun.spawnSync(["nproc"]).stdout.toString().trim()) || navigator.hardwareConcurrency;
  return {
    nproc,
    memGiB: mem ? Number(mem[1]) / 1024 / 1024 : NaN,
    cpu: cpu?.[1]?.trim() ?? "unknown",
    bun: Bun.version,
  };
}

/** The 1-minute load average: other work on the machine skews every figure here. */
export const loadAvg1 = (): number => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);

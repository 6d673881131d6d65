// docs/OPERATIONS.md against the program and the files it shows: every `felund` command and
// flag on the page exists in `felund --help`, each file quoted on the page is quoted exactly,
// the systemd units pass `systemd-analyze verify` and their commands run, and the Dockerfile's
// command, user, volume, port and health check work (Docker itself is not needed).
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { felund, removeTempDirs, ROOT, type Running, spawnUntilReady, tempDir } from "./helpers.ts";

const MAIN = join(ROOT, "src/cli/main.ts");
const DOC = readFileSync(join(ROOT, "docs/OPERATIONS.md"), "utf8");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");

const procs: Running[] = [];
afterEach(async () => {
  while (procs.length) {
    const p = procs.pop()!;
    p.proc.kill("SIGTERM");
    await Promise.race([p.proc.exited, Bun.sleep(5000).then(() => p.proc.kill(9))]);
  }
});
afterAll(removeTempDirs);

/** The fenced code blocks of a markdown text, and its inline code spans. */
function codeOf(md: string): { blocks: string[]; spans: string[] } {
  const blocks = [...md.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const prose = md.replace(/^```[a-z]*\n[\s\S]*?^```$/gm, "");
  const spans = [...prose.replace(/\n/g, " ").matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  return { blocks, spans };
}

/** Every felund invocation in a piece of shell or unit text: its argument words. */
function invocations(code: string): string[][] {
  const out: string[][] = [];
  // a comment line is prose: only its `code spans` count; a trailing comment goes
  const lines = code
    .split("\n")
    .flatMap((l) => (l.trimStart().startsWith("#") ? [...l.matchAll(/`([^`]+)`/g)].map((m) => m[1]!) : [l]))
    .map((l) => l.replace(/\s#\s.*$/, ""));
  // segments of a shell line; those of systemctl, journalctl, useradd name the unit or user "felund"
  const segments = lines
    .flatMap((l) => l.split(/&&|\|\||;(?=\s)/))
    .filter((seg) => !/^\s*(sudo\s+)?(systemctl|journalctl|useradd|loginctl)\b/.test(seg));
  for (const line of segments) {
    const words = line
      .split(/\s+/)
      .map((w) => w.replace(/^[`"'(]+|[`"'),:;]+$/g, ""))
      .filter(Boolean);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      // `felund` that runs (not `install dist/felund /usr/local/bin/felund`, not `sudo -u felund felund`)
      const next = words[i + 1] ?? "";
      const isFelund =
        w.split("/").pop() === "felund" && words[i - 1] !== "-u" && next !== "felund" && !/^[/~.$]/.test(next);
      // `docker run … felund-relay ARGS`: the arguments after the image name are felund's
      const isImage = w === "felund-relay" && words[0] === "docker" && words[1] === "run" && i === words.length - 1;
      const imageArgs =
        w === "felund-relay" && words[0] === "docker" && words[1] === "run" && /^[a-z]/.test(words[i + 1] ?? "");
      if (isImage) continue;
      if (!isFelund && !imageArgs) continue;
      const args: string[] = [];
      for (const a of words.slice(i + 1)) {
        if (["&&", "||", "|", ";", ">", "2>", "&", "#"].includes(a) || a.startsWith("#")) break;
        args.push(a);
      }
      if (args.length) out.push(args);
    }
  }
  return out;
}

const helpCache = new Map<string, string>();
async function help(cmd: string | null): Promise<string> {
  const key = cmd ?? "";
  if (!helpCache.has(key)) {
    const r = await felund(tempDir(), ...(cmd ? [cmd, "--help"] : ["--help"]));
    expect(r.code).toBe(0);
    helpCache.set(key, r.stdout + r.stderr);
  }
  return helpCache.get(key)!;
}

describe("docs/OPERATIONS.md", () => {
  test("every felund command and flag it shows exists in `felund --help`", async () => {
    const { blocks, spans } = codeOf(DOC);
    const all = [...blocks, ...spans].flatMap(invocations);
    expect(all.length).toBeGreaterThan(20);
    const top = await help(null);
    const commands = new Set([...top.matchAll(/^ {2}([a-z-]+) +\S/gm)].map((m) => m[1]!));
    expect(commands.has("relay-backup")).toBe(true);
    const seen = new Set<string>();
    for (const args of all) {
      let a = [...args];
      if (a[0] === "--state-dir") a = a.slice(2);
      if (a[0] === "--version" || a[0] === "--help") continue;
      const cmd = a[0]!;
      if (!commands.has(cmd)) throw new Error(`OPERATIONS.md runs "felund ${args.join(" ")}": no command "${cmd}"`);
      seen.add(cmd);
      const text = await help(cmd);
      for (const f of a.slice(1).filter((x) => x.startsWith("--"))) {
        const flag = f.split("=")[0]!;
        if (flag !== "--help" && !new RegExp(`^ {2}${flag}\\b`, "m").test(text))
          throw new Error(`OPERATIONS.md: "felund ${args.join(" ")}": ${cmd} has no ${flag}`);
      }
    }
    // a flag named on its own (`--no-web`) belongs to one of the commands the page runs
    const helps = await Promise.all([...seen].map(help));
    for (const s of spans.filter((x) => /^--[a-z]/.test(x))) {
      const flag = s.split(/[\s=]/)[0]!;
      if (!helps.some((h) => new RegExp(`^ {2}${flag}\\b`, "m").test(h)))
        throw new Error(`OPERATIONS.md names ${flag}, which no felund command it runs has`);
    }
    for (const c of ["serve", "run", "relay", "init", "backup", "restore", "relay-backup", "relay-restore", "invite"])
      expect(seen.has(c)).toBe(true);
  }, 30_000);

  test("each file it quotes is quoted exactly, and every unit and proxy config in docs/ops/ is quoted", () => {
    const { blocks } = codeOf(DOC);
    const quoted = new Set<string>();
    for (const b of blocks) {
      const m = b.match(/^# (docs\/ops\/\S+)\n/);
      if (!m) continue;
      expect(b).toBe(read(m[1]!));
      quoted.add(m[1]!);
    }
    const files = (d: string): string[] =>
      readdirSync(join(ROOT, d)).flatMap((e) =>
        statSync(join(ROOT, d, e)).isDirectory() ? files(`${d}/${e}`) : [`${d}/${e}`],
      );
    // (the Dockerfile and its ignore file are linked, not quoted)
    expect([...quoted].sort()).toEqual(
      files("docs/ops")
        .filter((f) => !f.includes("/Dockerfile"))
        .sort(),
    );
    // each quoted file names itself on its first line (that is how the page and this test find it)
    for (const f of quoted) expect(read(f).split("\n")[0]).toBe(`# ${f}`);
  });

  test("the README links it", () => {
    expect(read("README.md")).toContain("(docs/OPERATIONS.md)");
  });
});

/** An INI unit file: section → key → values (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const units = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const s = line.match(/^\[([A-Za-z]+)\]$/);
    if (s) {
      section = new Map();
      units.set(s[1]!, section);
      continue;
    }
    const kv = line.match(/^([A-Za-z]+)=(.*)$/);
    if (!kv || !section) throw new Error(`not a unit line: ${raw}`);
    section.set(kv[1]!, [...(section.get(kv[1]!) ?? []), kv[2]!]);
  }
  return units;
}

const UNITS = ["felund.service", "felund-relay.service", "felund-relay-backup.service", "felund-relay-backup.timer"];
const unit = (name: string) => parseUnit(read(`docs/ops/systemd/${name}`));
const one = (u: ReturnType<typeof parseUnit>, section: string, key: string) => u.get(section)?.get(key)?.at(-1);

describe("systemd units", () => {
  test("parse as INI with the keys a felund service needs", () => {
    const node = unit("felund.service");
    expect(one(node, "Service", "ExecStart")).toBe("%h/.local/bin/felund serve");
    expect(one(node, "Install", "WantedBy")).toBe("default.target");
    const relay = unit("felund-relay.service");
    expect(one(relay, "Service", "ExecStart")).toContain("relay --http 127.0.0.1:8000 --trust-proxy");
    expect(one(relay, "Service", "User")).toBe("felund");
    expect(one(relay, "Install", "WantedBy")).toBe("multi-user.target");
    for (const [k, v] of [
      ["NoNewPrivileges", "yes"],
      ["ProtectSystem", "strict"],
      ["ProtectHome", "yes"],
      ["PrivateTmp", "yes"],
      ["StateDirectory", "felund-relay"],
      ["CapabilityBoundingSet", ""],
      ["SystemCallFilter", "@system-service"],
    ])
      expect([k, one(relay, "Service", k!)]).toEqual([k, v]);
    // the JIT needs W+X pages: this one would stop the relay at start
    expect(one(relay, "Service", "MemoryDenyWriteExecute")).toBeUndefined();
    // the state dir the relay is told is the one systemd makes writable
    expect(one(relay, "Service", "ExecStart")).toContain(
      `--state-dir /var/lib/${one(relay, "Service", "StateDirectory")} `,
    );
    const backup = unit("felund-relay-backup.service");
    expect(one(backup, "Service", "User")).toBe(one(relay, "Service", "User"));
    expect(one(backup, "Service", "StateDirectory")!.split(" ")).toContain("felund-relay");
    expect(one(unit("felund-relay-backup.timer"), "Timer", "OnCalendar")).toBeTruthy();
  });

  test.skipIf(!Bun.which("systemd-analyze"))("pass `systemd-analyze verify` (system and user)", () => {
    // verify also checks that the executable exists: stand /bin/true in for the installed felund
    const dir = tempDir();
    for (const u of UNITS)
      writeFileSync(
        join(dir, u),
        read(`docs/ops/systemd/${u}`)
          .replaceAll("/usr/local/bin/felund", "/bin/true")
          .replace("%h/.local/bin/felund", "/bin/true"),
      );
    const system = Bun.spawnSync(
      ["systemd-analyze", "verify", "--man=no", ...UNITS.filter((u) => u !== "felund.service").map((u) => `./${u}`)],
      { cwd: dir, stderr: "pipe", stdout: "pipe" },
    );
    expect([system.exitCode, system.stderr.toString()]).toEqual([0, ""]);
    mkdirSync(join(dir, "run"));
    const user = Bun.spawnSync(["systemd-analyze", "verify", "--user", "--man=no", "./felund.service"], {
      cwd: dir,
      env: { ...process.env, XDG_RUNTIME_DIR: join(dir, "run") },
      stderr: "pipe",
      stdout: "pipe",
    });
    expect([user.exitCode, user.stderr.toString()]).toEqual([0, ""]);
  });

  test("the relay unit's command serves, the backup unit's command copies it meanwhile, SIGTERM exits 0", async () => {
    const state = tempDir();
    const backups = tempDir();
    const exec = one(unit("felund-relay.service"), "Service", "ExecStart")!
      .replaceAll("/var/lib/felund-relay", state)
      .replace("127.0.0.1:8000", "127.0.0.1:0")
      .split(" ");
    expect(exec[0]).toBe("/usr/local/bin/felund");
    const r = await spawnUntilReady(
      [process.execPath, MAIN, ...exec.slice(1)],
      { PATH: process.env.PATH },
      /relay base for nodes and browsers: (http:\/\/127\.0\.0\.1:\d+)/,
      10_000,
      "relay unit",
    );
    procs.push(r);
    expect(await (await fetch(`${r.match[1]}/v1/health`)).json()).toMatchObject({ ok: true });
    expect(r.output()).toContain(join(state, "relay.sqlite"));

    const svc = unit("felund-relay-backup.service").get("Service")!;
    const bin = join(tempDir(), "felund");
    writeFileSync(bin, `#!/bin/sh\nexec ${process.execPath} ${MAIN} "$@"\n`, { mode: 0o755 });
    const sub = (line: string) =>
      line
        .replaceAll("%%", "%")
        .replaceAll("/usr/local/bin/felund", bin)
        .replaceAll("/var/lib/felund-relay-backups", backups)
        .replaceAll("/var/lib/felund-relay", state);
    for (const line of [...svc.get("ExecStart")!, ...svc.get("ExecStartPost")!]) {
      const run = Bun.spawnSync(["sh", "-c", sub(line)], { stdout: "pipe", stderr: "pipe" });
      expect([line, run.exitCode, run.stderr.toString()]).toEqual([line, 0, ""]);
    }
    const made = readdirSync(backups);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(/^relay-\d{8}-\d{6}\.sqlite$/);

    procs.pop();
    r.proc.kill("SIGTERM");
    expect(await Promise.race([r.proc.exited, Bun.sleep(6000).then(() => -1)])).toBe(0);
    // and the restore the page shows takes that backup back
    const restored = await felund(state, "--state-dir", state, "relay-restore", join(backups, made[0]!));
    expect([restored.code, restored.stderr]).toEqual([0, ""]);
  }, 30_000);
});

/** The Dockerfile's instructions, continuation lines joined. */
function dockerfile(): { op: string; args: string }[] {
  return read("docs/ops/Dockerfile")
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((l) => l.trim() && !l.trimStart().startsWith("#"))
    .map((l) => {
      const m = l.trim().match(/^([A-Z]+)\s+(.*)$/)!;
      return { op: m[1]!, args: m[2]! };
    });
}
const instr = (op: string) => dockerfile().filter((i) => i.op === op);

describe("Dockerfile", () => {
  test("copies only what `npm run build:bin` makes, runs as non-root, keeps its state in the volume", () => {
    const copies = instr("COPY").map((c) => c.args.split(/\s+/).filter((w) => !w.startsWith("--")));
    expect(copies).toEqual([["dist/felund", "/usr/local/bin/felund"]]);
    // dist/felund is build:bin's default output, and the only thing .dockerignore lets through
    expect(JSON.parse(read("package.json")).scripts["build:bin"]).toBe("bun src/cli/build-bin.ts");
    expect(read("src/cli/build-bin.ts")).toContain('join(ROOT, "dist", arm ? "felund-linux-arm64" : "felund")');
    const ignore = read("docs/ops/Dockerfile.dockerignore")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    expect(ignore).toEqual(["*", "!dist/felund"]);
    expect(instr("FROM")).toHaveLength(1);
    const user = instr("USER")[0]!.args;
    expect(user).toMatch(/^\d+:\d+$/);
    expect(user.startsWith("0:")).toBe(false);
    expect(instr("ENV").map((e) => e.args)).toContain("FELUND_STATE_DIR=/data");
    expect(JSON.parse(instr("VOLUME")[0]!.args)).toEqual(["/data"]);
    const run = instr("RUN")[0]!.args;
    expect(run).toContain(`-o ${user.split(":")[0]} -g ${user.split(":")[1]}`);
    expect(run).toContain("/data");
    expect(JSON.parse(instr("ENTRYPOINT")[0]!.args)).toEqual(["felund"]);
    const cmd = JSON.parse(instr("CMD")[0]!.args) as string[];
    expect(cmd[0]).toBe("relay");
    const port = cmd[cmd.indexOf("--http") + 1]!.split(":").pop()!;
    expect(instr("EXPOSE")[0]!.args).toBe(port);
    expect(instr("HEALTHCHECK")[0]!.args).toContain(`/dev/tcp/127.0.0.1/${port}`);
  });

  test("its command runs as that user with only the volume writable, and its health check sees it", async () => {
    const [uid, gid] = instr("USER")[0]!.args.split(":").map(Number) as [number, number];
    const data = tempDir();
    const asUser = process.getuid?.() === 0 && !!Bun.which("setpriv");
    if (asUser) chownSync(data, uid, gid);
    const cmd = JSON.parse(instr("CMD")[0]!.args) as string[];
    const port = cmd[cmd.indexOf("--http") + 1]!.split(":").pop()!;
    const args = cmd.map((a) => (a.endsWith(`:${port}`) ? "127.0.0.1:0" : a));
    const env = { PATH: "/usr/local/bin:/usr/bin:/bin", FELUND_STATE_DIR: data }; // no HOME, as in the image
    const r = await spawnUntilReady(
      [
        ...(asUser ? ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--"] : []),
        process.execPath,
        MAIN,
        ...args,
      ],
      env,
      /relay base for nodes and browsers: http:\/\/127\.0\.0\.1:(\d+)/,
      10_000,
      "image command",
    );
    procs.push(r);
    const live = r.match[1]!;
    const hc = JSON.parse(instr("HEALTHCHECK")[0]!.args.replace(/^.*?CMD\s+/, "")) as string[];
    const check = (p: string) =>
      Bun.spawnSync(
        hc.map((a) => a.replace(`/dev/tcp/127.0.0.1/${port}`, `/dev/tcp/127.0.0.1/${p}`)),
        {
          stdout: "pipe",
          stderr: "pipe",
        },
      ).exitCode;
    expect(check(live)).toBe(0);
    expect(existsSync(join(data, "relay.sqlite"))).toBe(true);
    if (asUser) expect(statSync(join(data, "relay.sqlite")).uid).toBe(uid);
    procs.pop();
    r.proc.kill("SIGTERM");
    expect(await Promise.race([r.proc.exited, Bun.sleep(6000).then(() => -1)])).toBe(0);
    expect(check(live)).not.toBe(0);
  }, 30_000);
});

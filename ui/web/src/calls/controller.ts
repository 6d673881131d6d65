// The call this page takes part in: the glue between the commands and the panel, the backend
// (call events, signals) and the media (mesh.ts). Loaded with the panel as a lazy chunk, the
// first time a call is started, joined or the panel opened. One per page.
import { createEffect, createRoot, createSignal, untrack } from "solid-js";
import type { Backend } from "../../../shared/backend.ts";
import type { ChatState, ChatStore } from "../../../shared/chat-store.ts";
import { FelundError } from "../../../../src/protocol/errors.ts";
import type { CallOp, CallView } from "../../../shared/types.ts";
import { keyName } from "../../../shared/keys.ts";
import { CALL_MAX_PARTICIPANTS, CALL_MAX_VIEWERS } from "../../../../src/protocol/limits.ts";
import { iceServers } from "./ice.ts";
import { Mesh, type PeerInfo } from "./mesh.ts";

export interface Joined {
  circleId: string;
  sessionId: string;
  channelId: string;
  /** watching: receive only (no microphone, nothing sent) */
  viewer?: boolean;
}
export interface LocalState {
  level: number;
  muted: boolean;
  camera: boolean;
  overCapacity: boolean;
  video: MediaStream | null;
}

/** What the controller needs of the app's store (app-store.ts loads this file, so no import back). */
export interface CallHost {
  backend: Backend;
  core: ChatStore;
  state: () => ChatState;
  notice(text: string, kind?: "info" | "error"): void;
  setCallPanel(open: boolean): void;
}

const ALIVE_MS = 5_000;

function create(app: CallHost) {
  const backend = app.backend;
  const [joined, setJoined] = createSignal<Joined | null>(null);
  const [peers, setPeers] = createSignal<PeerInfo[]>([], { equals: false });
  const [local, setLocal] = createSignal<LocalState>(
    { level: 0, muted: false, camera: false, overCapacity: false, video: null },
    { equals: false },
  );
  const [devices, setDevices] = createSignal<MediaDeviceInfo[]>([]);
  const [busy, setBusy] = createSignal(false);
  let mesh: Mesh | null = null;
  let alive: ReturnType<typeof setInterval> | null = null;
  /** the app state has shown our call (so its absence later means it ended, not a stale state) */
  let seen = false;
  const me = () => app.state().app?.node.nodeId ?? "";

  const changed = () => {
    if (!mesh) return;
    setPeers(mesh.peerList());
    setLocal({
      level: mesh.localLevel,
      muted: mesh.muted,
      camera: mesh.camera,
      overCapacity: mesh.overCapacity,
      video: untrack(local).video,
    });
  };

  backend.subscribe((e) => {
    if (e.t !== "call-signal" || !mesh) return;
    const j = joined();
    if (j && e.sessionId === j.sessionId && e.circleId === j.circleId) void mesh.onSignal(e.from, e.type, e.data);
  });

  /** Stop the media here (the call itself goes on for the others unless the host ended it). */
  function hangUp() {
    mesh?.close();
    mesh = null;
    if (alive) clearInterval(alive);
    alive = null;
    setJoined(null);
    setPeers([]);
    setLocal({ level: 0, muted: false, camera: false, overCapacity: false, video: null });
  }

  // the registry (app state) drives the mesh: who is in it, and whether it still exists
  createEffect(() => {
    const st = app.state();
    const j = joined();
    if (!j || !mesh) return;
    const call = st.app?.calls.find((c) => c.sessionId === j.sessionId);
    const listed = !!call && (j.viewer ? !!call.viewers?.includes(me()) : call.participants.includes(me()));
    if (listed) seen = true;
    if (!seen) return;
    if (!call) {
      untrack(hangUp);
      app.notice(`the call in #${j.channelId} was ended by its host`);
    } else if (!listed) {
      untrack(hangUp);
      app.notice(`you are no longer in the call in #${j.channelId}`);
    } else {
      const m = mesh;
      untrack(() => m.setCall(call));
    }
  });

  const callOf = (sessionId?: string): CallView | undefined =>
    app.state().app?.calls.find((c) => c.sessionId === sessionId);

  async function refreshDevices() {
    try {
      setDevices(await navigator.mediaDevices.enumerateDevices());
    } catch {
      /* none listed */
    }
  }
  navigator.mediaDevices?.addEventListener?.("devicechange", () => void refreshDevices());

  async function begin(op: "start" | "join" | "view", a: { circleId: string; channelId: string; sessionId?: string }) {
    const cur = joined();
    if (cur) {
      if (cur.sessionId === a.sessionId) return app.notice(`you are in this call (${keyName("F4")} shows it)`);
      throw new FelundError("E_REFUSED", `you are in the call in #${cur.channelId}: /call leave first`);
    }
    const call = callOf(a.sessionId);
    if (op === "join" && call && !call.participants.includes(me()) && call.participants.length >= CALL_MAX_PARTICIPANTS)
      throw new FelundError(
        "E_REFUSED",
        `this call is full (${call.participants.length} of ${CALL_MAX_PARTICIPANTS}): a felund call is a mesh of at most ${CALL_MAX_PARTICIPANTS}`,
      );
    const viewer = op === "view";
    if (viewer && call && (call.viewers?.length ?? 0) >= CALL_MAX_VIEWERS)
      throw new FelundError("E_REFUSED", `this call has its ${CALL_MAX_VIEWERS} viewers already`);
    if (!viewer && !navigator.mediaDevices?.getUserMedia)
      throw new FelundError("E_REFUSED", "this browser cannot use a microphone here (it needs https or localhost)");
    const j: Joined = { circleId: a.circleId, channelId: a.channelId, sessionId: a.sessionId ?? "", viewer };
    const m = new Mesh(
      { self: me(), send: (to, type, data) => backend.callSignal!(j.circleId, j.sessionId, to, type, data) },
      {
        iceServers: iceServers(),
        receiveOnly: viewer,
        onChange: changed,
        log: (l) => void (app.core.state.debugOn && app.notice(`call: ${l}`)),
      },
    );
    setBusy(true);
    try {
      try {
        await m.open();
      } catch (e) {
        throw new FelundError("E_REFUSED", `cannot use the microphone: ${(e as Error).message}`);
      }
      let view: CallView | null;
      try {
        view = await backend.callAction!(a.circleId, op, { sessionId: a.sessionId, channel: a.channelId });
      } catch (e) {
        m.close();
        throw e;
      }
      if (!view) {
        m.close();
        throw new FelundError("E_NOT_FOUND", "the call is over");
      }
      j.sessionId = view.sessionId;
      j.channelId = view.channelId;
      mesh = m;
      seen = false;
      setJoined({ ...j });
      m.setCall(view);
      alive = setInterval(() => void backend.callAlive?.(j.circleId, j.sessionId).catch(() => {}), ALIVE_MS);
      app.setCallPanel(true);
      void refreshDevices();
      await app.core.refresh();
      app.notice(
        op === "start"
          ? `started a call in #${j.channelId}; others join with /call join`
          : viewer
            ? `watching the call in #${j.channelId} (receive only)`
            : `joined the call in #${j.channelId}`,
      );
    } finally {
      setBusy(false);
    }
  }

  async function run(op: CallOp, a: { circleId: string; channelId: string; sessionId?: string; target?: string }) {
    if (op === "start" || op === "join" || op === "view") return begin(op, a);
    const j = joined();
    const sessionId = a.sessionId ?? j?.sessionId;
    if (!sessionId) throw new FelundError("E_REFUSED", "you are not in a call");
    if (op === "revoke") {
      // the host's own registry drops the viewer at once, and the mesh closes that link (setCall)
      await backend.callAction!(a.circleId, op, { sessionId, target: a.target });
      await app.core.refresh();
      return app.notice(`removed ${app.core.nameOf(a.target ?? "")} from the call`);
    }
    if (j && j.sessionId === sessionId) hangUp();
    await backend.callAction!(a.circleId, op, { sessionId });
    await app.core.refresh();
    app.notice(op === "end" ? `ended the call for everyone` : `left the call`);
  }

  async function setMuted(m: boolean) {
    await mesh?.setMuted(m);
  }
  async function setCamera(on: boolean, deviceId = "") {
    if (!mesh) return;
    try {
      await mesh.setCamera(on, deviceId);
      setLocal({ ...local(), camera: mesh.camera, video: mesh.localVideo() });
      void refreshDevices();
    } catch (e) {
      app.notice(`cannot use the camera: ${(e as Error).message}`, "error");
    }
  }

  const api = {
    joined,
    peers,
    local,
    devices,
    busy,
    run,
    setMuted,
    setCamera,
    refreshDevices,
    setInput: (id: string) =>
      mesh?.setInputDevice(id).catch((e) => app.notice(`microphone: ${(e as Error).message}`, "error")),
    setOutput: (id: string) => mesh?.setOutputDevice(id),
    inputDevice: () => mesh?.inputDeviceId ?? "",
    outputDevice: () => mesh?.outputDeviceId ?? "",
    /** audio bytes per peer (getStats): for the curious, and for the end-to-end tests */
    stats: () => mesh?.stats() ?? Promise.resolve([]),
  };
  // the page's own test and debug handle (no secrets: only this page's call state)
  (globalThis as { __felundCall?: unknown }).__felundCall = api;
  addEventListener("pagehide", () => {
    const j = joined();
    if (j) void backend.callAction?.(j.circleId, "leave", { sessionId: j.sessionId }).catch(() => {});
    mesh?.close();
  });
  return api;
}

export type CallController = ReturnType<typeof create>;
let one: CallController | null = null;
export const callController = (app: CallHost): CallController => (one ??= createRoot(() => create(app)));

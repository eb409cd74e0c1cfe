import { describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Packet } from "mqtt-packet";
import { matchesFilter } from "../generators.ts";
import { checkAgainstLedger } from "../../../harness/checkers/ledger-oracle.ts";
import { EngineError } from "../../../harness/engine-error.ts";
import type { KeyWrite, LedgerEntry } from "../../../harness/ledger.ts";
import { RecordFile } from "../../../harness/records.ts";
import {
  framePayload,
  MQTT_AS_SPECIFIED,
  MQTT_RECORDS,
  mqttUniverse,
  queuedWrite,
  retainedPayload,
  retainedWrite,
  sessionWrite,
  subscriptionWrite,
  type MqttCapabilities,
} from "../model.ts";
import { readMqttState, type ReadBackOptions } from "../read-back.ts";
import { scriptedBroker, type ScriptedConnection } from "./scripted-broker.ts";
import { makeTempDir } from "../../../test/unit/support.ts";
import { mqttSecondRead } from "../deep-verify.ts";

// The shared read-back against a scripted in-memory broker speaking real MQTT packets: it holds retained messages and
// persistent sessions with queues, and behaves as a restored broker may: a subscription lost behind a present
// session, a long pause mid-queue, a queue that never ends, live messages overtaking the queue.
const CAPS: MqttCapabilities = { ...MQTT_AS_SPECIFIED, publishQos: [1], maxTopicBytes: 255, fifoSessionQueue: true };
const UNIVERSE = mqttUniverse(CAPS, { retainedTopics: 3, sessions: 3 });
const QUEUED = 4;

interface Message {
  topic: string;
  payload: Buffer;
}

interface Behaviour {
  /** A reconnected session's subscription still delivers (false: the session and its queue came back without it). */
  subscriptions: boolean;
  /** Pause in the middle of every queue, as a busy broker makes. */
  pauseMs?: number;
  /** The queue never ends: a new message follows each one. */
  endless?: boolean;
  /** A live publish goes out at once, before what the session held (no FIFO per session). */
  liveFirst?: boolean;
  /** The broker drops the session's connection in the middle of its queue. */
  hangUp?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the broker holds, and the acknowledged writes that put it there (as the load records them). */
function dataSet(): { retained: Map<string, Buffer>; queues: Map<string, Message[]>; writes: KeyWrite[][] } {
  const retained = new Map(
    UNIVERSE.retainedTopics.map((t, i) => [t, retainedPayload(`load-${i}`, Buffer.from([0, i]))]),
  );
  const queues = new Map(
    UNIVERSE.sessions.map((s) => [
      s.clientId,
      Array.from({ length: QUEUED }, (_, seq) => ({
        topic: s.topics[0]!,
        payload: framePayload(seq, Buffer.from(`body ${seq}`)),
      })),
    ]),
  );
  const writes = [
    ...[...retained].map(([t, p]) => [retainedWrite(t, p)]),
    ...UNIVERSE.sessions.map((s) => [sessionWrite(s.clientId), subscriptionWrite(s.clientId, s.filter, 1)]),
    ...UNIVERSE.sessions.flatMap((s) =>
      queues.get(s.clientId)!.map((m, seq) => [queuedWrite(s.clientId, seq, m.topic, m.payload)]),
    ),
  ];
  return { retained, queues, writes };
}

/** A broker holding `data`: persistent sessions keep their queue; what a connection subscribes lives as long as it. */
async function memoryBroker(data: ReturnType<typeof dataSet>, behaviour: Behaviour): Promise<string> {
  const filtersOf = new Map<ScriptedConnection, string[]>();
  const outbox = new Map<ScriptedConnection, Promise<void>>();
  let messageId = 1;
  const deliver = (conn: ScriptedConnection, m: Message, retain = false, qos: 1 | 2 = 1) =>
    conn.send({ cmd: "publish", topic: m.topic, payload: m.payload, qos, messageId: messageId++, retain, dup: false });
  // One chain per connection keeps its deliveries in order, pauses included: a FIFO.
  const later = (conn: ScriptedConnection, f: () => Promise<void> | void) =>
    outbox.set(conn, (outbox.get(conn) ?? Promise.resolve()).then(f));
  const drain = async (conn: ScriptedConnection, queue: Message[]) => {
    for (let i = 0; conn.socket.writable && (behaviour.endless || queue.length > 0); i++) {
      if (i === Math.floor(QUEUED / 2) && behaviour.pauseMs) await sleep(behaviour.pauseMs);
      if (i === Math.floor(QUEUED / 2) && behaviour.hangUp) return void conn.socket.destroy();
      if (behaviour.endless) await sleep(20);
      deliver(conn, queue.shift() ?? { topic: "t", payload: framePayload(i, Buffer.from("more")) });
    }
  };
  const broker = await scriptedBroker((packet: Packet, conn) => {
    if (packet.cmd === "connect") {
      const queue = data.queues.get(packet.clientId);
      if (packet.clean) data.queues.delete(packet.clientId);
      const present = !packet.clean && queue !== undefined;
      if (!packet.clean && !queue) data.queues.set(packet.clientId, []);
      conn.send({ cmd: "connack", returnCode: 0, reasonCode: 0, sessionPresent: present });
      const session = UNIVERSE.sessions.find((s) => s.clientId === packet.clientId);
      filtersOf.set(conn, present && session && behaviour.subscriptions ? [session.filter] : []);
      if (queue && present) later(conn, () => drain(conn, queue));
      conn.socket.on("close", () => filtersOf.delete(conn));
    } else if (packet.cmd === "subscribe") {
      filtersOf.get(conn)?.push(...packet.subscriptions.map((s) => s.topic));
      // Retained messages (published with QoS 2) before the SUBACK, as Mosquitto queues them, with the QoS granted.
      for (const [topic, payload] of data.retained) {
        const sub = packet.subscriptions.find((s) => matchesFilter(s.topic, topic));
        if (sub) deliver(conn, { topic, payload }, true, sub.qos === 2 ? 2 : 1);
      }
      conn.send({ cmd: "suback", messageId: packet.messageId, granted: packet.subscriptions.map((s) => s.qos) });
    } else if (packet.cmd === "publish") {
      conn.send({ cmd: "puback", messageId: packet.messageId! });
      for (const [to, filters] of filtersOf) {
        if (!filters.some((f) => matchesFilter(f, packet.topic))) continue;
        const m = { topic: packet.topic, payload: Buffer.from(packet.payload) };
        if (behaviour.liveFirst) deliver(to, m);
        else later(to, () => deliver(to, m));
      }
    } else if (packet.cmd === "pubrec") {
      // A busy broker: the QoS 2 flow's second half comes late (the client hands the message over only on PUBREL).
      const released = packet.messageId;
      setTimeout(() => conn.send({ cmd: "pubrel", messageId: released }), 200);
    } else if (packet.cmd === "pingreq") conn.send({ cmd: "pingresp" });
    else if (packet.cmd === "disconnect") conn.socket.end();
  });
  return broker.url;
}

/** Reads the broker back and judges it against the data set's writes, all acknowledged before the backup. */
async function readAndJudge(behaviour: Behaviour, options: Partial<ReadBackOptions> = {}) {
  const data = dataSet();
  const url = await memoryBroker(data, behaviour);
  const dir = await makeTempDir();
  const file = new RecordFile(join(dir, "restored.tsv"));
  const stats = await readMqttState(
    { endpoint: { url }, caps: CAPS, universe: UNIVERSE, silenceMs: 1_000, ...options },
    file,
  );
  await file.close();
  const ledger = data.writes.map((writes, seq): LedgerEntry => ({
    seq,
    process: "loader",
    op: "load",
    invokeAt: seq,
    completeAt: seq + 1,
    outcome: "ok",
    writes,
  }));
  await writeFile(join(dir, "ledger.jsonl"), ledger.map((e) => JSON.stringify(e) + "\n").join(""));
  const result = await checkAgainstLedger({
    ledgerPath: join(dir, "ledger.jsonl"),
    restoredPath: file.path,
    window: { start: 1_000, end: 2_000 },
    model: MQTT_RECORDS,
    workDir: dir,
  });
  return { stats, result, queues: data.queues };
}

describe("MQTT read-back: subscriptions", () => {
  it("a broker that keeps every subscription: each session's marker arrives, the state passes the oracle", async () => {
    const { stats, result } = await readAndJudge({ subscriptions: true });
    expect(stats).toMatchObject({ retained: 3, sessionsPresent: 3, subscriptions: 3, queued: 3 * QUEUED });
    expect(result.valid).toBe(true);
  });

  it("a broker that answers sessionPresent and serves the queue but never delivers to the session: its subscription is lost", async () => {
    const { stats, result } = await readAndJudge({ subscriptions: false });
    expect(stats).toMatchObject({ sessionsPresent: 3, subscriptions: 0, queued: 3 * QUEUED });
    expect(stats.ended).toMatch(/3 session\(s\) never delivered their marker and were read until 1000 ms of silence/);
    expect(result.valid).toBe(false);
    expect(result.figures.violations).toMatchObject({ lost: 3, corrupt: 0, phantom: 0 });
    expect(result.examples?.join("\n")).toMatch(/^lost subscription\/dd-v\d-0/m);
  });

  it("the markers are taken: a second read finds the sessions, their subscriptions and no message left", async () => {
    const data = dataSet();
    const url = await memoryBroker(data, { subscriptions: true });
    const dir = await makeTempDir();
    for (const name of ["first", "second"]) {
      const file = new RecordFile(join(dir, `${name}.tsv`));
      const stats = await readMqttState({ endpoint: { url }, caps: CAPS, universe: UNIVERSE }, file);
      await file.close();
      expect(stats).toMatchObject({ sessionsPresent: 3, subscriptions: 3, queued: name === "first" ? 3 * QUEUED : 0 });
    }
  });
});

describe("MQTT read-back: where a delivery ends", () => {
  it("a pause mid-queue (1.5 s, the old end was a 400 ms lull) does not end the read: the marker does", async () => {
    // Silence ends a read only when the marker has not come for `silenceMs`: then the subscription counts as lost.
    const { stats, result } = await readAndJudge({ subscriptions: true, pauseMs: 1_500 }, { silenceMs: 5_000 });
    expect(stats.queued).toBe(3 * QUEUED);
    expect(stats.ended).toMatch(/^each delivery ended on its own marker/);
    expect(result.valid).toBe(true);
  });

  it("a delivery that never ends reaches maxMs: a plain error (the drill undecided), not the broker's answer", async () => {
    const err = await readAndJudge({ subscriptions: true, endless: true }, { maxMs: 1_500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(EngineError);
    expect(String(err)).toMatch(/session dd-v\d-\d: still delivering after 1500 ms, its marker not arrived/);
  });

  it("a connection lost mid-queue decides nothing: a plain error, not a lost subscription", async () => {
    const err = await readAndJudge({ subscriptions: true, hangUp: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(EngineError);
    expect(String(err)).toMatch(/session dd-v\d-\d: the connection closed while the read-back waited for its marker/);
  });

  it("without a FIFO per session the marker may overtake the queue: a lull after it ends the read, and says so", async () => {
    const lullMs = 700;
    const { stats, result } = await readAndJudge(
      { subscriptions: true, liveFirst: true, pauseMs: 300 },
      { caps: { ...CAPS, fifoSessionQueue: false }, lullMs },
    );
    expect(stats.queued).toBe(3 * QUEUED);
    expect(stats.ended).toBe(
      `each delivery ended on ${lullMs} ms of silence after its own marker (the broker keeps no FIFO per session)`,
    );
    expect(result.valid).toBe(true);
  });
});

describe("MQTT deep verification: the second read after the drill's read-back", () => {
  const firstRead = async (url: string) => {
    const dir = await makeTempDir();
    const file = new RecordFile(join(dir, "restored.tsv"));
    await readMqttState({ endpoint: { url }, caps: CAPS, universe: UNIVERSE }, file);
    return { dir, restored: { path: file.path, ...(await file.close()) } };
  };

  it("a broker that serves the same state by exact topic and by reconnecting: clean", async () => {
    const url = await memoryBroker(dataSet(), { subscriptions: true });
    const { dir, restored } = await firstRead(url);
    const second = await mqttSecondRead({ url }, CAPS, UNIVERSE, restored, dir);
    expect(second.problems).toEqual([]);
    expect(second.same).toBe(3 + 3 + 3);
  });

  it("names a retained message served otherwise by its exact topic, and a queued message only the second read got", async () => {
    const data = dataSet();
    const url = await memoryBroker(data, { subscriptions: true });
    const { dir, restored } = await firstRead(url);
    data.retained.set(UNIVERSE.retainedTopics[0]!, Buffer.from("another value"));
    const session = UNIVERSE.sessions[1]!;
    data.queues
      .get(session.clientId)!
      .push({ topic: session.topics[0]!, payload: framePayload(99, Buffer.from("held back")) });
    const second = await mqttSecondRead({ url }, CAPS, UNIVERSE, restored, dir);
    expect(second.problems).toEqual([
      "exact-topic subscriptions and reconnected sessions: 1 record(s) differ from the accepted state, 0 missing, 0 found only there",
      "1 queued message(s) delivered on reconnecting that the drill's read-back did not take",
    ]);
  });
});

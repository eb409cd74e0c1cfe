import { EngineError } from "../../harness/engine-error.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import type { CanonicalRecord, RecordFile } from "../../harness/records.ts";
import type { SessionSpec } from "../../generators/mqtt.ts";
import { closeMqtt, connectMqtt, MqttPublisher, sessionConnect, type MqttEndpoint } from "./client.ts";
import { LIST_SEPARATOR } from "../../harness/records.ts";
import { payloadPreview, queuedWrite, retainedWrite, seqOfPayload, sessionKey, SESSION_PRESENT, type MqttCapabilities, type MqttUniverse } from "./model.ts";

/**
 * Reads a broker's MQTT state back in canonical form (model.ts): the retained message of every topic, then every
 * session of the universe by reconnecting as it and taking what it was holding. MQTT has no "list", so the end of a
 * delivery is a quiet period after the last message (bounded); no writer may run meanwhile. Taking a session's queue
 * acknowledges it: the broker forgets those messages, so reading is destructive for queues (the session and its
 * subscription stay), unless `requeue` publishes them again.
 */
export interface ReadBackOptions {
  endpoint: MqttEndpoint;
  caps: MqttCapabilities;
  universe: MqttUniverse;
  /** Silence that ends a delivery. */
  quietMs?: number;
  /** Bound on one delivery. */
  maxMs?: number;
  /** Sessions read at once. */
  parallel?: number;
  /**
   * Publish each session's messages again, in the order read, once it is read (QoS 1, each acknowledged): the queues
   * then hold what they held, for a source that is read before an offline backup copies it.
   */
  requeue?: boolean;
}

export interface ReadBackStats {
  retained: number;
  sessionsPresent: number;
  sessionsAbsent: number;
  queued: number;
  /** Deliveries flagged DUP (redeliveries). */
  redelivered: number;
}

type AddRecord = (record: CanonicalRecord) => void;

/**
 * Gathers deliveries: `listener` goes to the connection before it is made; `quiet()` resolves once `quietMs` passed
 * without a delivery after it was called (or `maxMs` in all).
 */
function gatherer(quietMs: number, maxMs: number, onMessage: (topic: string, payload: Buffer, retain: boolean, dup: boolean) => void) {
  let rearm: (() => void) | undefined;
  return {
    listener: (topic: string, payload: Buffer, packet: { retain: boolean; dup: boolean }) => {
      onMessage(topic, payload, packet.retain, packet.dup);
      rearm?.();
    },
    quiet: () =>
      new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const deadline = setTimeout(() => (clearTimeout(timer), resolve()), maxMs);
        rearm = () => {
          clearTimeout(timer);
          timer = setTimeout(() => (clearTimeout(deadline), resolve()), quietMs);
        };
        rearm();
      }),
  };
}

async function readRetained(opts: Required<ReadBackOptions>, add: AddRecord, stats: ReadBackStats): Promise<void> {
  const gather = gatherer(opts.quietMs, opts.maxMs, (topic, payload, retain) => {
    // Only retained deliveries: a live publish meanwhile would be another writer, not the stored state.
    if (!retain) return;
    stats.retained++;
    const w = retainedWrite(topic, payload);
    add({ key: w.key, digest: w.digest, preview: w.preview ?? "" });
  });
  const protocol = opts.caps.protocols.at(-1)!;
  const { client } = await connectMqtt(opts.endpoint, { clientId: `dd-reader-${process.pid}-${Date.now()}`, protocol, persistent: false, onMessage: gather.listener });
  client.on("error", () => undefined);
  try {
    const filters = opts.caps.retainedReadBack === "wildcard" ? ["#"] : opts.universe.retainedTopics;
    for (let i = 0; i < filters.length; i += 100) {
      const granted = await client.subscribeAsync(filters.slice(i, i + 100), { qos: 2 });
      const refused = granted.filter((g) => g.qos !== 0 && g.qos !== 1 && g.qos !== 2);
      if (refused.length) throw new EngineError(`the broker refused to subscribe ${refused.map((g) => JSON.stringify(g.topic)).join(", ")} (code ${refused[0]!.qos})`);
    }
    await gather.quiet();
  } finally {
    await closeMqtt(client);
  }
}

async function readSession(session: SessionSpec, opts: Required<ReadBackOptions>, add: AddRecord, stats: ReadBackStats): Promise<void> {
  let position = 0;
  const taken: { topic: string; payload: Buffer }[] = [];
  const gather = gatherer(opts.quietMs, opts.maxMs, (topic, payload, _retain, dup) => {
    stats.queued++;
    if (dup) stats.redelivered++;
    taken.push({ topic, payload });
    const seq = seqOfPayload(payload);
    // A header that does not parse keys the record under no write's key: the oracle calls it a phantom.
    const w = seq === undefined ? { key: `queue/${session.clientId}${LIST_SEPARATOR}?unparsable-${position}`, digest: "?", preview: `${topic} ${payloadPreview(payload)}` } : queuedWrite(session.clientId, seq, topic, payload);
    add({ key: w.key, digest: w.digest, preview: w.preview ?? "", position: position++ });
  });
  const { client, sessionPresent } = await connectMqtt(opts.endpoint, { ...sessionConnect(session), onMessage: gather.listener });
  client.on("error", () => undefined);
  try {
    await gather.quiet();
  } finally {
    await closeMqtt(client);
  }
  if (sessionPresent && opts.requeue && taken.length) await requeue(session, taken, opts);
  if (sessionPresent) {
    stats.sessionsPresent++;
    add({ key: sessionKey(session.clientId), digest: SESSION_PRESENT, preview: `session present, ${position} message(s) queued` });
  } else {
    stats.sessionsAbsent++;
    // Connecting created an empty session the broker did not have: remove it again.
    const { client: cleaner } = await connectMqtt(opts.endpoint, { ...sessionConnect(session), persistent: false });
    await closeMqtt(cleaner);
  }
}

/** Publishes a session's messages again in order on one connection, each acknowledged, or throws. */
async function requeue(session: SessionSpec, messages: { topic: string; payload: Buffer }[], opts: Required<ReadBackOptions>): Promise<void> {
  const { client } = await connectMqtt(opts.endpoint, { clientId: `dd-requeue-${process.pid}-${session.clientId}`, protocol: opts.caps.protocols.at(-1)!, persistent: false });
  const publisher = new MqttPublisher(client);
  try {
    for (const m of messages) await publisher.publish(m.topic, m.payload, 1, false);
  } catch (err) {
    throw new Error(`putting back the ${messages.length} message(s) read from ${session.clientId} failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await publisher.close();
  }
}

export async function readMqttState(options: ReadBackOptions, into: RecordFile, progress?: PhaseProgress): Promise<ReadBackStats> {
  const opts: Required<ReadBackOptions> = { quietMs: 400, maxMs: 60_000, parallel: 4, requeue: false, ...options };
  const stats: ReadBackStats = { retained: 0, sessionsPresent: 0, sessionsAbsent: 0, queued: 0, redelivered: 0 };
  // Deliveries of several connections arrive interleaved: one chain keeps the file's writes in order.
  let written: Promise<void> = Promise.resolve();
  const add: AddRecord = (r) => void (written = written.then(() => into.add(r)));
  await readRetained(opts, add, stats);
  progress?.update({ retained: stats.retained });
  const queue = [...opts.universe.sessions];
  const worker = async () => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      await readSession(s, opts, add, stats);
      progress?.update({ retained: stats.retained, sessions: stats.sessionsPresent, queued: stats.queued });
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.parallel, queue.length) }, worker));
  await written;
  return stats;
}

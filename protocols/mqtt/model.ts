import { createHash } from "node:crypto";
import fc from "fast-check";
import { ABSENT_DIGEST, type KeyWrite } from "../../harness/ledger.ts";
import { LIST_SEPARATOR } from "../../harness/records.ts";
import type { RecordModel } from "../../harness/checkers/ledger-oracle.ts";
import { sessionSpec, topicName, type MqttProtocolVersion, type SessionSpec } from "./generators.ts";

/**
 * The one MQTT data model every broker is drilled with (Mosquitto, RabbitMQ, EMQX), as canonical records:
 * - `retained/<topic>`: the retained message of a topic, digest of its payload. A new retained publish replaces it, an
 *   empty retained payload deletes it (the key must then be absent);
 * - `session/<client id>`: a persistent session the broker still knows (CONNACK sessionPresent=1 on reconnect);
 * - `subscription/<client id>`: the session's subscription still delivers: a QoS 1 message published to it during the
 *   read-back reached it (read-back.ts), digest of the filter and the QoS it arrived with. A session can come back
 *   with its queue but without its subscription (a RabbitMQ queue without its binding): sessionPresent=1, every later
 *   message silently dropped;
 * - `queue/<client id>␟<seq>`: a QoS 1 message queued for the offline session, digest of topic and payload, in
 *   arrival order (the record's position). Redelivery is legal (duplicates allowed), loss and reordering are not.
 * A write is acknowledged (`ok`) on PUBACK (QoS 1) or PUBCOMP (QoS 2) and, for a session and its subscription, on
 * SUBACK.
 */

/** What a broker can do, declared by its engine; the workload, the read-back and the universe follow it. */
export interface MqttCapabilities {
  /** Protocol versions it speaks (4 = MQTT 3.1.1, 5 = MQTT 5): sessions and writers use each of them. */
  protocols: readonly MqttProtocolVersion[];
  /**
   * How its retained messages can be read back: `wildcard` subscribes to `#`; `exact-topics` subscribes to every
   * topic of the universe by name (RabbitMQ delivers retained messages only on exact-topic subscriptions).
   */
  retainedReadBack: "wildcard" | "exact-topics";
  /** QoS levels it acknowledges as the protocol says (RabbitMQ 3.x downgrades QoS 2 to 1). */
  publishQos: readonly (1 | 2)[];
  /** The longest topic name it accepts, in UTF-8 bytes (RabbitMQ: a 255-byte routing key). */
  maxTopicBytes: number;
  /** Characters its topic names must not hold (RabbitMQ maps `/` to `.` in routing keys, so a `.` would not come back). */
  forbiddenTopicChars?: string;
  /**
   * Whether each session's messages wait in one FIFO whatever their publisher, so a message published after the session
   * connected arrives after everything queued before it: the read-back's marker then ends a queue (marker.ts). The MQTT
   * specification does not promise it (§4.6, "Message ordering", in 3.1.1 and 5.0: order holds per topic and QoS for
   * the messages of one publishing client); a broker's own queue does, or does not.
   */
  fifoSessionQueue: boolean;
}

/**
 * What MQTT 3.1.1 and 5 specify of a broker: both protocols, retained messages read back on `#`, QoS 1 and 2
 * acknowledged, topic names up to the 65,535 bytes of an MQTT UTF-8 string. The specification does not say whether a
 * session's messages wait in one FIFO: each broker adds `fifoSessionQueue` as its own queue behaves.
 */
export const MQTT_AS_SPECIFIED: Omit<MqttCapabilities, "fifoSessionQueue"> = {
  protocols: [4, 5],
  retainedReadBack: "wildcard",
  publishQos: [1, 2],
  maxTopicBytes: 65_535,
};

/** The topics and sessions a broker is drilled with: the same for every drill of the same capabilities and size. */
export interface MqttUniverse {
  retainedTopics: string[];
  sessions: SessionSpec[];
}

export interface UniverseSize {
  retainedTopics: number;
  sessions: number;
}

export const DEFAULT_UNIVERSE: UniverseSize = { retainedTopics: 48, sessions: 24 };

/** The universe is drawn with this seed: a restored node reads back the same topics and sessions without the drill's seed. */
export const UNIVERSE_SEED = 0x6d717474;

export function mqttUniverse(
  caps: MqttCapabilities,
  size: UniverseSize = DEFAULT_UNIVERSE,
  seed = UNIVERSE_SEED,
): MqttUniverse {
  const forbidden = caps.forbiddenTopicChars ?? "";
  const [retainedTopics] = fc.sample(
    fc.uniqueArray(topicName(caps.maxTopicBytes, forbidden), {
      minLength: size.retainedTopics,
      maxLength: size.retainedTopics,
    }),
    { seed, numRuns: 1 },
  );
  const sessions = Array.from(
    { length: size.sessions },
    (_, i) =>
      fc.sample(sessionSpec(i, caps.protocols, caps.maxTopicBytes, forbidden), { seed: seed + i + 1, numRuns: 1 })[0]!,
  );
  return { retainedTopics: retainedTopics!, sessions };
}

/**
 * What an MQTT backup promises the oracle: each key on its own, several copies of a queued message with the same value
 * allowed (at-least-once), order within each session's queue checked. A broker whose backup is one instant (a
 * snapshot file, a stopped node) adds `consistency: "point-in-time"`.
 */
export const MQTT_RECORDS: RecordModel = { consistency: "per-key", duplicates: "allowed" };

const sha256 = (...parts: (string | Buffer)[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
};

export const retainedKey = (topic: string) => `retained/${topic}`;
export const sessionKey = (clientId: string) => `session/${clientId}`;
export const subscriptionKey = (clientId: string) => `subscription/${clientId}`;
/** Nine digits keep byte order equal to append order across the load's and the workload's sequence numbers. */
export const queueKey = (clientId: string, seq: number) =>
  `queue/${clientId}${LIST_SEPARATOR}${String(seq).padStart(9, "0")}`;

/** The digest of a session the broker knows; the record carries nothing else the broker would tell. */
export const SESSION_PRESENT = sha256("session present");

export function retainedWrite(topic: string, payload: Buffer): KeyWrite {
  if (payload.length === 0) return { key: retainedKey(topic), digest: ABSENT_DIGEST, preview: "(deleted)" };
  return { key: retainedKey(topic), digest: sha256(payload), preview: payloadPreview(payload) };
}

export function queuedWrite(clientId: string, seq: number, topic: string, payload: Buffer): KeyWrite {
  return {
    key: queueKey(clientId, seq),
    digest: sha256(topic, payload),
    preview: `${topic} ${payloadPreview(payload)}`,
  };
}

export function sessionWrite(clientId: string): KeyWrite {
  return { key: sessionKey(clientId), digest: SESSION_PRESENT, preview: "session present" };
}

/** A subscription to `filter` that delivers a QoS 1 message with `qos` (the lower of 1 and the QoS granted). */
export function subscriptionWrite(clientId: string, filter: string, qos: number): KeyWrite {
  return {
    key: subscriptionKey(clientId),
    digest: sha256("subscription", filter, String(qos)),
    preview: `${filter} QoS ${qos}`,
  };
}

export function payloadPreview(payload: Buffer): string {
  const text = payload.subarray(0, 60).toString("utf8");
  return payload.length > 60 ? `${text}…(${payload.length} bytes)` : text;
}

/**
 * A queued message carries its sequence number up front (`<seq>|<body>`), so the read-back knows which write it is;
 * a header that does not parse is read back under a key no write has (a phantom).
 */
export function framePayload(seq: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${seq}|`), body]);
}

export function seqOfPayload(payload: Buffer): number | undefined {
  const bar = payload.indexOf(0x7c);
  if (bar <= 0 || bar > 10) return undefined;
  const head = payload.subarray(0, bar).toString("latin1");
  return /^\d+$/.test(head) ? Number(head) : undefined;
}

/** A retained payload also carries a unique prefix: a replaced value can never be mistaken for its successor. */
export function retainedPayload(writeId: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${writeId}|`), body]);
}

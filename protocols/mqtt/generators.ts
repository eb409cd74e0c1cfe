import fc from "fast-check";
import { nastyChar } from "../../harness/hostile-values.ts";

/**
 * Arbitraries of the MQTT data model (protocols/mqtt/): topic names that break naive tools, payloads, persistent
 * sessions. Small and composable; the universe a broker is drilled with is drawn from them with a fixed seed
 * (protocols/mqtt/model.ts), so any node can read it back without knowing the drill's seed.
 */

/** The first level of every session's topics: `#` over the retained topics never meets a session's inbox. */
export const INBOX_ROOT = "dr-drill-inbox";

/**
 * A code point a topic name may hold: MQTT forbids U+0000 and wildcards in names, `/` separates levels, and brokers
 * refuse control characters (U+0001–U+001F, U+007F–U+009F) and non-characters (Mosquitto's `mosquitto_validate_utf8`
 * does). Tab and line breaks would also break the canonical record format.
 */
export function topicSafe(text: string): boolean {
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || ch === "/" || ch === "+" || ch === "#") return false;
    if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return false;
  }
  return true;
}

const topicChar = nastyChar.filter(topicSafe);

/** One topic level: usually short nasty text, sometimes empty (`a//b`), rarely long. */
const level: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.array(topicChar, { minLength: 1, maxLength: 12 }).map((c) => c.join("")) },
  { weight: 2, arbitrary: fc.constant("") },
  { weight: 1, arbitrary: fc.tuple(topicChar, fc.integer({ min: 100, max: 400 })).map(([c, n]) => c.repeat(n)) },
);

const utf8Bytes = (s: string) => Buffer.byteLength(s, "utf8");

/**
 * A topic name: UTF-8 beyond ASCII, empty levels, a leading or trailing `/`, many levels, long names; never a
 * wildcard, never a leading `$` (reserved: `#` does not match it), never longer than `maxBytes` UTF-8 bytes, never
 * holding a character of `forbidden` (a broker that maps topics onto something else, e.g. RabbitMQ's `.`).
 */
export function topicName(maxBytes = 65_535, forbidden = ""): fc.Arbitrary<string> {
  return fc
    .oneof(
      { weight: 8, arbitrary: fc.array(level, { minLength: 1, maxLength: 6 }) },
      { weight: 1, arbitrary: fc.array(level, { minLength: 20, maxLength: 60 }) },
    )
    .map((levels) => levels.join("/"))
    .filter(
      (t) =>
        t.length > 0 &&
        !t.startsWith("$") &&
        !t.startsWith(INBOX_ROOT) &&
        utf8Bytes(t) <= maxBytes &&
        ![...forbidden].some((c) => t.includes(c)),
    );
}

/** Payload bytes: empty, binary with NULs, nasty UTF-8 text, rarely a few kilobytes. */
export const payloadBytes: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 6, arbitrary: fc.array(nastyChar, { maxLength: 30 }).map((c) => Buffer.from(c.join(""), "utf8")) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1_000, maxLength: 8_000 }).map((b) => Buffer.from(b)) },
);

export type MqttProtocolVersion = 4 | 5;

/** A persistent session: its client id, the protocol it connects with, the filter it subscribes and topics that match it. */
export interface SessionSpec {
  clientId: string;
  protocol: MqttProtocolVersion;
  /** Subscribed with QoS 1: `dr-drill-inbox/<n>/#`, `…/+/…` or an exact topic. */
  filter: string;
  /** Topics the workload publishes to; every one matches `filter` and no other session's filter. */
  topics: string[];
}

/** Sessions number `index`, speaking one of `protocols`; the inbox level keeps sessions apart. */
export function sessionSpec(
  index: number,
  protocols: readonly MqttProtocolVersion[],
  maxTopicBytes = 65_535,
  forbidden = "",
): fc.Arbitrary<SessionSpec> {
  const root = `${INBOX_ROOT}/${index}`;
  const tail = topicName(Math.max(8, maxTopicBytes - utf8Bytes(root) - 64), forbidden).filter(
    (t) => !t.startsWith("/"),
  );
  return fc
    .record({
      protocol: fc.constantFrom(...protocols),
      shape: fc.constantFrom("hash", "plus", "exact"),
      tails: fc.uniqueArray(tail, { minLength: 1, maxLength: 3 }),
    })
    .map(({ protocol, shape, tails }) => {
      const clientId = `dd-${protocol === 5 ? "v5" : "v3"}-${index}`;
      if (shape === "exact")
        return { clientId, protocol, filter: `${root}/${tails[0]}`, topics: [`${root}/${tails[0]}`] };
      if (shape === "plus")
        return {
          clientId,
          protocol,
          filter: `${root}/+`,
          topics: tails.map((t) => `${root}/${t.replaceAll("/", "_")}`),
        };
      return { clientId, protocol, filter: `${root}/#`, topics: tails.map((t) => `${root}/${t}`) };
    });
}

/** The last level of the topic a session's read-back marker goes to (protocols/mqtt/marker.ts). */
export const MARKER_LEVEL = "dr-drill-marker";

/**
 * The topic that reaches one session and no other: under its own inbox level for a `#` or `+` filter, the filter
 * itself for an exact one. No retained topic lies under the inbox root, and every session's filter starts with its own
 * `dr-drill-inbox/<n>/`, so a message on it lands in this session's queue only.
 */
export function markerTopic(session: SessionSpec): string {
  const wildcard = session.filter.endsWith("/#") || session.filter.endsWith("/+");
  return wildcard ? `${session.filter.slice(0, -1)}${MARKER_LEVEL}` : session.filter;
}

/** Whether a topic filter matches a topic name (MQTT 3.1.1 §4.7; names starting with `$` are left out of wildcards). */
export function matchesFilter(filter: string, topic: string): boolean {
  if (topic.startsWith("$") && (filter.startsWith("#") || filter.startsWith("+"))) return false;
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

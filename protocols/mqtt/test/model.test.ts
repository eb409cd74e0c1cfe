import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { INBOX_ROOT, markerTopic, matchesFilter, payloadBytes, topicName, topicSafe } from "../generators.ts";
import { ABSENT_DIGEST } from "../../../harness/ledger.ts";
import { formatRecordLine, LIST_SEPARATOR, compareKeys } from "../../../harness/records.ts";
import {
  framePayload,
  MQTT_AS_SPECIFIED,
  mqttUniverse,
  queueKey,
  queuedWrite,
  retainedWrite,
  seqOfPayload,
  type MqttCapabilities,
} from "../model.ts";
import { MqttWorkload, WORKLOAD_SEQ_BASE, type MqttPublish } from "../workload.ts";
import type { WorkloadOp } from "../../../harness/workload.ts";

const FULL: MqttCapabilities = { ...MQTT_AS_SPECIFIED, fifoSessionQueue: true };
const NARROW: MqttCapabilities = {
  protocols: [4],
  retainedReadBack: "exact-topics",
  publishQos: [1],
  maxTopicBytes: 255,
  forbiddenTopicChars: ".",
  fifoSessionQueue: true,
};

describe("topic names", () => {
  it("never hold a wildcard, a control character, a leading $ or the inbox root, and stay within the byte limit", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 2_000 }).chain((max) => fc.tuple(fc.constant(max), topicName(max))),
        ([max, topic]) => {
          expect(topicSafe(topic.replaceAll("/", ""))).toBe(true);
          expect(topic.length).toBeGreaterThan(0);
          expect(topic.startsWith("$")).toBe(false);
          expect(topic.startsWith(INBOX_ROOT)).toBe(false);
          expect(Buffer.byteLength(topic)).toBeLessThanOrEqual(max);
          expect(() => formatRecordLine({ key: `retained/${topic}`, digest: "d", preview: "" })).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
  });

  it("leave out the characters a broker forbids", () => {
    expect(
      fc
        .sample(topicName(65_535, "../../../test/unit/"), { seed: 2, numRuns: 300 })
        .every((t) => !t.includes(".") && !t.includes("/")),
    ).toBe(true);
    expect(fc.sample(topicName(), { seed: 2, numRuns: 300 }).some((t) => t.includes("."))).toBe(true);
  });

  it("reach beyond ASCII, with empty levels, many levels and long names", () => {
    const topics = fc.sample(topicName(), { seed: 1, numRuns: 600 });
    expect(topics.some((t) => /[^\x20-\x7e]/.test(t))).toBe(true);
    expect(topics.some((t) => t.includes("//") || t.startsWith("/") || t.endsWith("/"))).toBe(true);
    expect(topics.some((t) => t.split("/").length >= 20)).toBe(true);
    expect(topics.some((t) => Buffer.byteLength(t) >= 400)).toBe(true);
  });

  it("topicSafe refuses what brokers refuse", () => {
    for (const bad of ["a+b", "#", "a\tb", "\u0000", "\u0085", "\ufdd0", "\uffff", "x\u{1fffe}"])
      expect(topicSafe(bad), JSON.stringify(bad)).toBe(false);
    expect(topicSafe("ünï 😀\u200b")).toBe(true);
  });
});

describe("matchesFilter", () => {
  it("follows MQTT's wildcard rules", () => {
    expect(matchesFilter("a/#", "a")).toBe(true);
    expect(matchesFilter("a/#", "a/b/c")).toBe(true);
    expect(matchesFilter("a/+", "a/b")).toBe(true);
    expect(matchesFilter("a/+", "a/b/c")).toBe(false);
    expect(matchesFilter("a/+", "a/")).toBe(true);
    expect(matchesFilter("#", "$SYS/x")).toBe(false);
    expect(matchesFilter("a/b", "a/b/")).toBe(false);
  });
});

describe("mqttUniverse", () => {
  it("is the same for the same capabilities, whatever the drill's seed", () => {
    expect(mqttUniverse(FULL)).toEqual(mqttUniverse(FULL));
  });

  for (const [name, caps] of [
    ["MQTT 5 broker", FULL],
    ["MQTT 3.1.1 broker, 255-byte topics", NARROW],
  ] as const) {
    it(`${name}: unique topics, sessions whose topics match their own filter only, protocols as declared`, () => {
      const u = mqttUniverse(caps, { retainedTopics: 40, sessions: 12 });
      expect(new Set(u.retainedTopics).size).toBe(40);
      expect(u.sessions).toHaveLength(12);
      expect(new Set(u.sessions.map((s) => s.clientId)).size).toBe(12);
      const allowed = (t: string) =>
        Buffer.byteLength(t) <= caps.maxTopicBytes && ![...(caps.forbiddenTopicChars ?? "")].some((c) => t.includes(c));
      for (const t of u.retainedTopics) expect(allowed(t), t).toBe(true);
      for (const s of u.sessions) {
        expect(caps.protocols).toContain(s.protocol);
        for (const topic of s.topics) {
          expect(allowed(topic), topic).toBe(true);
          expect(u.sessions.filter((o) => matchesFilter(o.filter, topic)).map((o) => o.clientId)).toEqual([s.clientId]);
          expect(u.retainedTopics.some((r) => matchesFilter(s.filter, r))).toBe(false);
        }
      }
      expect(new Set(u.sessions.map((s) => s.protocol))).toEqual(new Set(caps.protocols));
    });

    it(`${name}: a session's marker topic reaches that session alone, and no retained topic`, () => {
      const u = mqttUniverse(caps, { retainedTopics: 40, sessions: 30 });
      expect(
        new Set(u.sessions.map((s) => (s.filter.at(-1) === "#" ? "#" : s.filter.at(-1) === "+" ? "+" : "exact"))),
      ).toEqual(new Set(["#", "+", "exact"]));
      for (const s of u.sessions) {
        const topic = markerTopic(s);
        expect(
          Buffer.byteLength(topic) <= caps.maxTopicBytes &&
            ![...(caps.forbiddenTopicChars ?? "")].some((c) => topic.includes(c)),
          topic,
        ).toBe(true);
        expect(u.sessions.filter((o) => matchesFilter(o.filter, topic)).map((o) => o.clientId)).toEqual([s.clientId]);
        expect(u.retainedTopics).not.toContain(topic);
      }
    });
  }
});

describe("model records", () => {
  it("an empty retained payload is a delete; any other payload a value of its own", () => {
    expect(retainedWrite("t", Buffer.alloc(0)).digest).toBe(ABSENT_DIGEST);
    expect(retainedWrite("t", Buffer.from("a")).digest).not.toBe(retainedWrite("t", Buffer.from("b")).digest);
  });

  it("a queued message's digest covers its topic and payload, and its key orders by sequence across the load and the workload", () => {
    const p = framePayload(1, Buffer.from("x"));
    expect(queuedWrite("c", 1, "t/a", p).digest).not.toBe(queuedWrite("c", 1, "t/b", p).digest);
    const keys = [
      queueKey("c", WORKLOAD_SEQ_BASE + 3),
      queueKey("c", 2),
      queueKey("c", 10),
      queueKey("c", WORKLOAD_SEQ_BASE),
    ];
    expect([...keys].sort(compareKeys)).toEqual([
      queueKey("c", 2),
      queueKey("c", 10),
      queueKey("c", WORKLOAD_SEQ_BASE),
      queueKey("c", WORKLOAD_SEQ_BASE + 3),
    ]);
    expect(keys[0]!.split(LIST_SEPARATOR)[0]).toBe("queue/c");
  });

  it("the sequence number survives any body, and a broken header does not parse", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 * WORKLOAD_SEQ_BASE }),
        payloadBytes,
        (seq, body) => seqOfPayload(framePayload(seq, body)) === seq,
      ),
    );
    expect(seqOfPayload(Buffer.from("12x|body"))).toBeUndefined();
    expect(seqOfPayload(Buffer.from("|body"))).toBeUndefined();
  });
});

describe("MqttWorkload", () => {
  const WRITERS = 3;
  function ops(caps: MqttCapabilities, seed = 5, perWriter = 200): { writer: number; op: WorkloadOp<MqttPublish> }[] {
    const u = mqttUniverse(caps, { retainedTopics: 12, sessions: 6 });
    const workload = new MqttWorkload(u, caps, seed);
    const out = [];
    for (let n = 0; n < perWriter; n++)
      for (let writer = 0; writer < WRITERS; writer++) out.push({ writer, op: workload.next(writer, WRITERS) });
    return out;
  }

  it("is reproducible from its seed and differs for another", () => {
    const a = ops(FULL).map(({ op }) => op.payload.write.digest);
    expect(ops(FULL).map(({ op }) => op.payload.write.digest)).toEqual(a);
    expect(ops(FULL, 6).map(({ op }) => op.payload.write.digest)).not.toEqual(a);
  });

  it("gives each key and each session's queue a single writer, numbered in order from WORKLOAD_SEQ_BASE", () => {
    const owner = new Map<string, number>();
    const lastSeq = new Map<string, number>();
    for (const { writer, op } of ops(FULL)) {
      const key = op.keys[0]!;
      const list = key.includes(LIST_SEPARATOR) ? key.split(LIST_SEPARATOR)[0]! : key;
      expect(owner.get(list) ?? writer, key).toBe(writer);
      owner.set(list, writer);
      if (op.kind !== "enqueue") continue;
      const seq = seqOfPayload(op.payload.payload)!;
      expect(seq).toBeGreaterThanOrEqual(WORKLOAD_SEQ_BASE);
      expect(seq).toBe((lastSeq.get(list) ?? WORKLOAD_SEQ_BASE - 1) + 1);
      lastSeq.set(list, seq);
    }
  });

  it("publishes retained sets, deletes and queued QoS 1 messages, with the QoS levels the broker declared", () => {
    const all = ops(FULL);
    expect(new Set(all.map(({ op }) => op.kind))).toEqual(new Set(["retain", "unretain", "enqueue"]));
    expect(new Set(all.filter(({ op }) => op.kind !== "enqueue").map(({ op }) => op.payload.qos))).toEqual(
      new Set([1, 2]),
    );
    expect(all.every(({ op }) => (op.kind === "enqueue") === !op.payload.retain)).toBe(true);
    expect(all.filter(({ op }) => op.kind === "enqueue").every(({ op }) => op.payload.qos === 1)).toBe(true);
    expect(new Set(ops(NARROW).map(({ op }) => op.payload.qos))).toEqual(new Set([1]));
    const sets = all.filter(({ op }) => op.kind === "retain").map(({ op }) => op.payload.write.digest);
    expect(new Set(sets).size).toBe(sets.length);
  });

  it("says so when there are more writers than topics and sessions", () => {
    const workload = new MqttWorkload(mqttUniverse(FULL, { retainedTopics: 1, sessions: 1 }), FULL, 1);
    expect(() => workload.next(5, 6)).toThrow(/owns no topic and no session/);
  });
});

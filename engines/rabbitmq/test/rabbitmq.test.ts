import { describe, expect, it } from "vitest";
import { featureFlagsCheck, nodesInMnesiaBase, rabbitNodeNameCheck } from "../node-name.ts";
import { startObservations } from "../restore-log.ts";
import { rabbitServerErrors } from "../server-errors.ts";
import { readBackFailure } from "../../../harness/drill/server-log.ts";
import { RABBITMQ_MQTT, RABBITMQ_UNIVERSE } from "../node.ts";
import { markerTopic } from "../../../protocols/mqtt/generators.ts";
import { readerMarkerTopic } from "../../../protocols/mqtt/marker.ts";
import { ReconnectingWriter } from "../writer.ts";
import { RENAMED_HOST, damagedQueueIndex } from "../faults.ts";
import { rabbitmqImageSpec, RABBITMQ_DEFAULT_VERSION, RABBITMQ_VERSIONS } from "../versions.ts";
import { RabbitMqEngine } from "../engine.ts";
import { definitionsCheck, summariseDefinitions } from "../definitions.ts";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { MqttBrokerNode } from "../../../protocols/mqtt-broker.ts";
import { EngineError } from "../../../harness/engine-error.ts";
import { RecordFile } from "../../../harness/records.ts";
import { Progress } from "../../../harness/progress.ts";
import { scriptedBroker } from "../../../protocols/mqtt/test/scripted-broker.ts";
import { parseQueueList, queueListProblems, rabbitMqFileKind } from "../deep-verify.ts";
import { join } from "node:path";
import { logFixture, makeTempDir, tempDirWith } from "../../../test/unit/support.ts";
import { emptyStartCheck } from "../../../protocols/mnesia-node.ts";
import { NotSentError, type MqttPublish } from "../../../protocols/mqtt/index.ts";
import type { WorkloadClient, WorkloadOp } from "../../../harness/workload.ts";

/** /var/lib/rabbitmq/mnesia of a 3.10.8 node named rabbit@dr-drill-rabbit, as listed in a drill's backup. */
const MNESIA_BASE = [
  { name: "rabbit@dr-drill-rabbit", dir: true },
  { name: "rabbit@dr-drill-rabbit-feature_flags", dir: false },
  { name: "rabbit@dr-drill-rabbit-plugins-expand", dir: true },
  { name: "rabbit@dr-drill-rabbit.pid", dir: false },
];

describe("rabbitmq: the node name in a Mnesia base", () => {
  it("finds the node directory and its feature flags, not the plugins-expand directory or the pid file", () => {
    expect(nodesInMnesiaBase(MNESIA_BASE)).toEqual({
      nodes: ["rabbit@dr-drill-rabbit"],
      featureFlags: ["rabbit@dr-drill-rabbit"],
    });
  });

  it("passes the same node name and warns, naming both, on another one", () => {
    const found = nodesInMnesiaBase(MNESIA_BASE);
    expect(rabbitNodeNameCheck(found, "rabbit@dr-drill-rabbit")).toMatchObject({
      name: "preflight:node-name",
      valid: true,
    });
    const other = rabbitNodeNameCheck(found, `rabbit@${RENAMED_HOST}`);
    expect(other.valid).toBe(false);
    expect(other.summary).toBe(
      "the backup is of node rabbit@dr-drill-rabbit, the restore target is rabbit@dr-drill-rabbit-renamed: it will start EMPTY beside the restored directory (pin RABBITMQ_NODENAME and the hostname to rabbit@dr-drill-rabbit)",
    );
  });

  it("fails a backup without a node directory, or with several", () => {
    expect(rabbitNodeNameCheck(nodesInMnesiaBase([]), "rabbit@a")).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/no node directory/),
    });
    const two = nodesInMnesiaBase([
      { name: "rabbit@a", dir: true },
      { name: "rabbit@b", dir: true },
    ]);
    expect(rabbitNodeNameCheck(two, "rabbit@a")).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/several node directories .*rabbit@a, rabbit@b/),
    });
  });

  it("wants the feature flags file beside the node directory", () => {
    expect(featureFlagsCheck(nodesInMnesiaBase(MNESIA_BASE)).valid).toBe(true);
    const without = featureFlagsCheck(nodesInMnesiaBase(MNESIA_BASE.filter((e) => !e.name.endsWith("-feature_flags"))));
    expect(without).toMatchObject({
      valid: false,
      summary: "not in the backup: rabbit@dr-drill-rabbit-feature_flags (copy the whole Mnesia base)",
    });
  });
});

/** The start log lines of RabbitMQ 3.10.8 (offline image), as the container printed them, colour codes included. */
const ESC = String.fromCharCode(27);
const line = (msg: string) => `${ESC}[38;5;246m2026-11-23 12:17:58.771934+00:00 [info] <0.227.0> ${msg}${ESC}[0m`;
const RESTORED_LOG = [
  line(" node           : rabbit@hosta"),
  line(" database dir   : /var/lib/rabbitmq/mnesia/rabbit@hosta"),
  line("Running boot step database defined by app rabbit"),
].join("\n");
const RENAMED_LOG = [
  line(" node           : rabbit@hostc"),
  line(" database dir   : /var/lib/rabbitmq/mnesia/rabbit@hostc"),
  line(
    "Node database directory at /var/lib/rabbitmq/mnesia/rabbit@hostc is empty. Assuming we need to join an existing cluster or initialise from scratch...",
  ),
].join("\n");

describe("rabbitmq: what the start log says about the restored database", () => {
  it("a node that booted on the restored directory", () => {
    const seen = startObservations(RESTORED_LOG, "/var/lib/rabbitmq/mnesia/rabbit@hosta");
    expect(seen).toEqual({
      summary: "it booted on the restored database in /var/lib/rabbitmq/mnesia/rabbit@hosta",
      observed: ["log: database dir : /var/lib/rabbitmq/mnesia/rabbit@hosta"],
      initialisedEmpty: false,
    });
  });

  it("a node under another name, which initialised an empty database at info level", () => {
    const seen = startObservations(RENAMED_LOG, "/var/lib/rabbitmq/mnesia/rabbit@hostc");
    expect(seen.initialisedEmpty).toBe(true);
    expect(seen.summary).toBe(
      "it found no database in /var/lib/rabbitmq/mnesia/rabbit@hostc and initialised an EMPTY one (logged at info level, no error)",
    );
    expect(seen.observed).toContain(
      "log: Node database directory at /var/lib/rabbitmq/mnesia/rabbit@hostc is empty. Assuming we need to join an existing cluster or initialise from scratch...",
    );
  });

  it("says when the node used another directory than the restored one", () => {
    expect(startObservations(RENAMED_LOG, "/var/lib/rabbitmq/mnesia/rabbit@hosta").observed).toContain(
      "the node used /var/lib/rabbitmq/mnesia/rabbit@hostc, not /var/lib/rabbitmq/mnesia/rabbit@hosta",
    );
    expect(startObservations("", "/x").observed).toEqual(["no database dir line in the log"]);
  });
});

describe("rabbitmq: the empty-start invariant", () => {
  it("fails only a broker that holds nothing, in words", () => {
    expect(emptyStartCheck({ retained: 0, sessionsPresent: 0, queued: 0 }, 24)).toEqual({
      name: "invariant:not-empty",
      valid: false,
      summary:
        "the restored broker is EMPTY: all retained messages and all 24 sessions were lost (0 retained messages, 0 of 24 sessions, 0 queued messages)",
    });
    expect(emptyStartCheck({ retained: 3, sessionsPresent: 0, queued: 0 }, 24).valid).toBe(true);
    expect(emptyStartCheck({ retained: 0, sessionsPresent: 1, queued: 0 }, 24).valid).toBe(true);
    expect(emptyStartCheck(undefined, 24).valid).toBe("unknown");
  });

  it("says how the read-back decided where each delivery ended", () => {
    expect(
      emptyStartCheck(
        { retained: 3, sessionsPresent: 24, queued: 9, ended: "each delivery ended on its own marker" },
        24,
      ).summary,
    ).toBe(
      "the restored broker serves 3 retained message(s), 24 of 24 session(s), 9 queued message(s); each delivery ended on its own marker",
    );
  });
});

describe("rabbitmq: its MQTT universe", () => {
  it("holds no topic RabbitMQ 3.10 alters (`.` and `*`) and no topic over 255 bytes, the read-back's markers included", () => {
    const topics = [
      ...RABBITMQ_UNIVERSE.retainedTopics,
      ...RABBITMQ_UNIVERSE.sessions.flatMap((s) => [s.filter, ...s.topics, markerTopic(s)]),
      readerMarkerTopic(),
    ];
    expect(topics.length).toBeGreaterThan(48);
    for (const t of topics) {
      expect(t.includes(".") || t.includes("*"), t).toBe(false);
      expect(Buffer.byteLength(t)).toBeLessThanOrEqual(RABBITMQ_MQTT.maxTopicBytes);
    }
    expect(RABBITMQ_UNIVERSE.sessions.every((s) => s.protocol === 4)).toBe(true);
  });
});

const op = (n: number): WorkloadOp<MqttPublish> => ({
  kind: "retain",
  keys: [`retained/t${n}`],
  payload: {
    topic: `t${n}`,
    payload: Buffer.from("x"),
    qos: 1,
    retain: true,
    write: { key: `retained/t${n}`, digest: "d" },
  },
});

describe("rabbitmq: a writer across the node's restart", () => {
  it("a lost connection fails the publish as not sent, and the next op connects again", async () => {
    const opened: string[] = [];
    let connected = 0;
    const inner = (id: number): WorkloadClient<MqttPublish> => ({
      apply: async (o) => {
        if (id === 1 && o.keys[0] === "retained/t2") throw new NotSentError("not connected: the publish was not sent");
        return [o.payload.write];
      },
      isDefiniteFailure: () => true,
      close: async () => void opened.push(`closed ${id}`),
    });
    const writer = new ReconnectingWriter(async () => inner(++connected));
    expect(await writer.apply(op(1))).toEqual([op(1).payload.write]);
    const lost = await writer.apply(op(2)).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(NotSentError);
    expect(writer.isDefiniteFailure(lost)).toBe(true);
    expect(await writer.apply(op(3))).toEqual([op(3).payload.write]);
    expect(connected).toBe(2);
    expect(opened).toEqual(["closed 1"]);
  });

  it("a node still down: the connect error is a definite failure after a pause, never a busy loop", async () => {
    const writer = new ReconnectingWriter(async () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:1883")));
    const started = Date.now();
    const err = await writer.apply(op(1)).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(err).toBeInstanceOf(NotSentError);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(writer.isDefiniteFailure(err)).toBe(true);
  });
});

describe("rabbitmq: versions", () => {
  it("the offline recipe of every version is Debian's package, the default is the official image", () => {
    for (const v of Object.keys(RABBITMQ_VERSIONS)) {
      const spec = rabbitmqImageSpec(v);
      expect(spec.official).toBe(`rabbitmq:${v}`);
      expect(spec.offline).toMatchObject({ debianSuite: "bookworm", buildArgs: { RABBITMQ_VERSION: v } });
    }
    expect(() => rabbitmqImageSpec("3.13.0")).toThrow(/unknown RabbitMQ version "3.13.0"; known versions: 3.10.8/);
  });
});

describe("rabbitmq: what the evidence says the backup did to the node", () => {
  it("mnesia-copy stops the node, copies it and starts it again under load; definitions exports from the serving node", () => {
    expect(new RabbitMqEngine(RABBITMQ_DEFAULT_VERSION).backupMode).toBe("stop-copy-start");
    expect(new RabbitMqEngine(RABBITMQ_DEFAULT_VERSION, { method: "definitions" }).backupMode).toBe("online");
  });
});

/** A definitions export of a 3.10 node with two MQTT sessions, trimmed to the keys the summary reads and their neighbours. */
const DEFINITIONS = {
  rabbit_version: "3.10.8",
  rabbitmq_version: "3.10.8",
  users: [{ name: "guest" }],
  vhosts: [{ name: "/" }],
  queues: [
    { name: "mqtt-subscription-dd-v3-0qos1", vhost: "/", durable: true, auto_delete: false, arguments: {} },
    { name: "mqtt-subscription-dd-v3-1qos1", vhost: "/", durable: true, auto_delete: false, arguments: {} },
    { name: "orders", vhost: "/", durable: true, auto_delete: false, arguments: {} },
  ],
  exchanges: [],
  bindings: [
    {
      source: "amq.topic",
      destination: "mqtt-subscription-dd-v3-0qos1",
      routing_key: "dr-drill-inbox.0.*",
      destination_type: "queue",
    },
  ],
};

describe("rabbitmq: a definitions export (the second method)", () => {
  it("counts queues, MQTT session queues and bindings; it carries no message", async () => {
    expect(summariseDefinitions(JSON.stringify(DEFINITIONS))).toEqual({
      rabbitVersion: "3.10.8",
      queues: 3,
      mqttSessionQueues: 2,
      bindings: 1,
    });
    const dir = await makeTempDir();
    await writeFile(join(dir, "definitions.json"), JSON.stringify(DEFINITIONS));
    expect(await definitionsCheck(join(dir, "definitions.json"))).toEqual({
      name: "preflight:definitions",
      valid: true,
      summary:
        "definitions of RabbitMQ 3.10.8: 3 queue(s), 2 of them MQTT session queues, 1 binding(s); no message, no retained store",
    });
  });

  it("fails a file that is not a definitions export, or none", async () => {
    expect(() => summariseDefinitions(JSON.stringify({ queues: [] }))).toThrow(/not a RabbitMQ definitions export/);
    const dir = await makeTempDir();
    await writeFile(join(dir, "definitions.json"), "{truncated");
    expect((await definitionsCheck(join(dir, "definitions.json"))).valid).toBe(false);
    expect((await definitionsCheck(join(dir, "absent.json"))).summary).toMatch(/^definitions.json: ENOENT/);
  });
});

describe("rabbitmq: a damaged queue index (the fault)", () => {
  const queue = (q: string) =>
    join("mnesia", "rabbit@dr-drill-rabbit", "msg_stores", "vhosts", "628WB79CIFDYO9LJI6DKMI09L", "queues", q);
  /** A publish record as rabbit_queue_index writes it: prefix bit 1, persistent bit, 14-bit sequence, then the 16-byte message id. */
  const publish = (id: number) =>
    Buffer.concat([
      Buffer.from([0xc0, 0x00]),
      Buffer.alloc(16, id),
      Buffer.alloc(8),
      Buffer.from([0, 0, 0, 10]),
      Buffer.from([0, 0, 0, 0]),
    ]);
  const artifact = (dir: string) => ({
    dir,
    method: "mnesia-copy",
    tool: "",
    finishedAt: 0,
    sourceNodeName: "rabbit@dr-drill-rabbit",
    sourceVersion: "3.10.8",
  });

  it("flips the message id of the first entry of the largest segment, and nothing else", async () => {
    const large = join(queue("ENM49FOATFIJG67P8BOTAKT32"), "0.idx");
    const dir = await tempDirWith({
      [large]: Buffer.concat([publish(7), publish(8)]),
      [join(queue("OTHER"), "0.idx")]: publish(9),
      [join(queue("OTHER"), "journal.jif")]: Buffer.alloc(64),
    });
    const record = await damagedQueueIndex().apply(artifact(dir));
    expect(record).toMatchObject({
      fault: "flip-bytes",
      target: large,
      detail: { offset: 2, count: 16, before: "07".repeat(16), after: "f8".repeat(16) },
    });
    const after = await readFile(join(dir, large));
    expect(after.subarray(0, 2)).toEqual(publish(7).subarray(0, 2));
    expect(after.subarray(18)).toEqual(Buffer.concat([publish(7), publish(8)]).subarray(18));
    expect(await readFile(join(dir, queue("OTHER"), "0.idx"))).toEqual(publish(9));
  });

  it("refuses a backup with no segment, or a segment whose first entry is not a publish", async () => {
    await expect(
      damagedQueueIndex().apply(artifact(await tempDirWith({ [join(queue("Q"), "journal.jif")]: Buffer.alloc(8) }))),
    ).rejects.toThrow(/no queue index segment/);
    await expect(
      damagedQueueIndex().apply(
        artifact(await tempDirWith({ [join(queue("Q"), "0.idx")]: Buffer.from([0x00, 0x05, 0x00, 0x06]) })),
      ),
    ).rejects.toThrow(/is not a publish record \(first byte 0x0\)/);
  });
});

describe("RabbitMQ deep verification and file kinds", () => {
  it("reads rabbitmqctl list_queues and names sessions without their queue, stray queues and queues still holding messages", () => {
    const queues = parseQueueList(
      "mqtt-subscription-aqos1\t0\nmqtt-subscription-bqos1\t3\nmqtt-subscription-zqos1\t0\nnot a line\n",
    );
    expect([...queues]).toEqual([
      ["mqtt-subscription-aqos1", 0],
      ["mqtt-subscription-bqos1", 3],
      ["mqtt-subscription-zqos1", 0],
    ]);
    const r = queueListProblems(queues, new Set(["a", "b", "c"]), ["a", "b", "c", "z"]);
    expect(r.problems).toEqual([
      "1 present session(s) without their queue in rabbitmqctl list_queues",
      "1 queue(s) listed for sessions that did not read back",
      "1 session queue(s) still hold messages no read delivered",
    ]);
    expect(queueListProblems(new Map([["mqtt-subscription-aqos1", 0]]), new Set(["a"]), ["a", "z"]).problems).toEqual(
      [],
    );
  });

  it("names the files of a Mnesia base by what they hold", async () => {
    const dir = await makeTempDir();
    const node = "mnesia/rabbit@dr-drill-rabbit";
    await mkdir(join(dir, node, "msg_stores/vhosts/628WB79CIFDYO9LJI6DKMI09L/queues/ABC"), { recursive: true });
    await mkdir(join(dir, node, "msg_stores/vhosts/628WB79CIFDYO9LJI6DKMI09L/queues/HMTARG10OUNQ5ZX9JFE801WP"), {
      recursive: true,
    });
    expect(rabbitMqFileKind(dir, `${node}/rabbit_durable_queue.DCD`)).toBe("mnesia rabbit_durable_queue (.DCD)");
    expect(rabbitMqFileKind(dir, `${node}/LATEST.LOG`)).toBe("mnesia transaction log (.LOG)");
    expect(
      rabbitMqFileKind(dir, `${node}/msg_stores/vhosts/628WB79CIFDYO9LJI6DKMI09L/msg_store_persistent/0.rdq`),
    ).toBe("message store (persistent)");
    expect(rabbitMqFileKind(dir, `${node}/msg_stores/vhosts/628WB79CIFDYO9LJI6DKMI09L/queues/ABC/journal.jif`)).toBe(
      "queue index",
    );
    expect(rabbitMqFileKind(dir, `${node}/rabbit_mqtt_retained_msg_store_dets.dets`)).toBe("retained store (.dets)");
    expect(rabbitMqFileKind(dir, `${node}/msg_stores/vhosts/628WB79CIFDYO9LJI6DKMI09L/queues`)).toBe(
      "directory mnesia/rabbit@<host>/msg_stores/vhosts/<vhost>/queues",
    );
    expect(
      rabbitMqFileKind(dir, `${node}/msg_stores/vhosts/628WB79CIFDYO9LJI6DKMI09L/queues/HMTARG10OUNQ5ZX9JFE801WP`),
    ).toBe("directory mnesia/rabbit@<host>/msg_stores/vhosts/<vhost>/queues/<queue>");
    expect(rabbitMqFileKind(dir, `${node}/msg_stores/vhosts/628WB79CIFDYO9LJI6DKMI09L/queues/ABC`)).toBe(
      "directory mnesia/rabbit@<host>/msg_stores/vhosts/<vhost>/queues/ABC",
    );
  });
});

/** A RabbitMQ 3.10.8 log after a restore whose queue index of one session was damaged (campaign fault, replayed). */
const QUEUE_CRASH_LOG = logFixture(import.meta.url, "queue-crash.log");

describe("a RabbitMQ read-back that gets no answer is the node's failure only when its log reports the crash", () => {
  it("the supervisor that gave up on a queue is one of the node's errors, with the queue; nothing from a quiet log", () => {
    expect(rabbitServerErrors(QUEUE_CRASH_LOG)).toEqual([
      "supervisor rabbit_amqqueue_sup gave up on queue mqtt-subscription-dd-v3-13qos1 (reached_max_restart_intensity)",
    ]);
    expect(
      rabbitServerErrors(
        "2026-12-07 17:38:56.5 [info] <0.882.0> accepting MQTT connection\n2026-12-07 17:38:57.0 [error] <0.1.0>     supervisor: {<0.1.0>,rabbit_amqqueue_sup}\n2026-12-07 17:38:57.0 [error] <0.1.0>     reason: shutdown",
      ),
    ).toEqual([]);
  });

  const silentBroker = () => scriptedBroker((packet, conn) => packet.cmd === "connect" && conn.socket.destroy());
  const nodeOn = (url: string, log: string) =>
    new MqttBrokerNode(
      {
        image: { ref: "scripted", id: "none", source: "offline" },
        mqttUrl: url,
        stop: async () => undefined,
        log: async () => log,
      },
      "no-volume",
      {
        caps: RABBITMQ_MQTT,
        universe: RABBITMQ_UNIVERSE,
        openWriter: () => Promise.reject(new Error("no writer in this test")),
        errorsIn: rabbitServerErrors,
      },
    );
  /** The read-back as the core does it: the read, then, for an error that is not the node's answer, its log. */
  const readBack = async (node: ReturnType<typeof nodeOn>) => {
    const file = new RecordFile(join(await makeTempDir(), "restored.tsv"));
    const err = await node
      .readCanonical(file, new Progress("[test]", { line: () => undefined }).phase("read"))
      .finally(() => file.close())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(EngineError);
    return readBackFailure(node, err);
  };

  it("a connection closed without CONNACK, with the node's crash in its log: a failed read-back naming the queue", async () => {
    const check = await readBack(nodeOn((await silentBroker()).url, QUEUE_CRASH_LOG));
    expect(check).toMatchObject({ name: "read-back", valid: false });
    expect(check.summary).toMatch(
      /^the restored engine failed while it was read; it logged 1 error\(s\): supervisor rabbit_amqqueue_sup gave up on queue mqtt-subscription-dd-v3-13qos1 \(reached_max_restart_intensity\) \(the read ended in: .*the connection closed before CONNACK/,
    );
  });

  it("the same with a quiet log: the read's own error is thrown (the drill undecided)", async () => {
    await expect(readBack(nodeOn((await silentBroker()).url, ""))).rejects.toThrow(/closed before CONNACK/);
  });
});

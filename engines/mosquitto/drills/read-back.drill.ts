import { describe, it, expect } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ledger } from "../../../harness/ledger.ts";
import { RecordFile } from "../../../harness/records.ts";
import { MOSQUITTO_CAPABILITIES } from "../engine.ts";
import { onMosquitto } from "./support.ts";
import { loadMqtt, mqttUniverse, readMqttState, type MqttCapabilities } from "../../../protocols/mqtt/index.ts";

// The shared MQTT read-back on a real broker, in the modes other brokers need: retained messages read on exact topics
// (RabbitMQ delivers them only there) must equal those read on `#`, and a read with `requeue` (a source read before an
// offline backup) must leave the queues as they were, message for message and in order; the read-back's markers leave
// nothing behind.
describe("MQTT read-back on Mosquitto", () => {
  it("exact-topic reads equal `#` reads, and a requeueing read leaves every queue as it was", async () => {
    await onMosquitto("mqtt-read-back", async (node, { rt, progress, workDir }) => {
      // A 3.1.1-only broker's universe: what RabbitMQ drills with.
      const caps: MqttCapabilities = {
        ...MOSQUITTO_CAPABILITIES,
        protocols: [4],
        retainedReadBack: "exact-topics",
        publishQos: [1],
        maxTopicBytes: 255,
        forbiddenTopicChars: ".",
      };
      const universe = mqttUniverse(caps);
      const endpoint = node.broker.endpoint;
      const ledger = new Ledger(join(workDir, "ledger.jsonl"), rt.clock);
      const loading = progress.phase("load");
      await loadMqtt({ endpoint, caps, universe, dataset: { seed: 11, rows: 800 }, ledger, progress: loading });
      loading.done();
      await ledger.close();
      const read = async (name: string, c: MqttCapabilities, requeue: boolean) => {
        const file = new RecordFile(join(workDir, `${name}.tsv`));
        const stats = await readMqttState({ endpoint, caps: c, universe, requeue }, file);
        await file.close();
        return { stats, lines: (await readFile(file.path, "utf8")).split("\n").sort() };
      };
      const exact = await read("exact", caps, true);
      const wildcard = await read("wildcard", { ...caps, retainedReadBack: "wildcard" }, true);
      const drained = await read("drained", caps, false);
      const after = await read("after", caps, false);
      expect(exact.stats.retained).toBeGreaterThan(0);
      expect(exact.stats.queued).toBeGreaterThan(0);
      expect(exact.stats.sessionsPresent).toBe(universe.sessions.length);
      // Every session's marker arrived (its subscription delivers) and ended its queue.
      expect(exact.stats.subscriptions).toBe(universe.sessions.length);
      expect(exact.stats.ended).toMatch(/^each delivery ended on its own marker/);
      // Same records, same positions: the requeue put every queue back as it was, twice over.
      expect(wildcard.lines).toEqual(exact.lines);
      expect(drained.lines).toEqual(exact.lines);
      // Without requeue the read takes the queues: what is left is retained messages, the sessions and their
      // subscriptions; no marker stayed behind (it would be read as a phantom message) and none was retained.
      expect(after.stats).toMatchObject({
        queued: 0,
        retained: exact.stats.retained,
        sessionsPresent: universe.sessions.length,
        subscriptions: universe.sessions.length,
      });
      console.log(
        `read-back: ${exact.stats.retained} retained, ${exact.stats.sessionsPresent} sessions, ${exact.stats.queued} queued messages; read three times, equal`,
      );
    });
  });
});

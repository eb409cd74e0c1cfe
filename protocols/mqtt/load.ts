import type { DatasetSpec, LoadStats } from "../../harness/engine.ts";
import type { Ledger } from "../../harness/ledger.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import {
  closeMqtt,
  connectMqtt,
  isDefiniteFailure,
  MqttPublisher,
  sessionConnect,
  type MqttEndpoint,
} from "./client.ts";
import { sessionWrite, subscriptionWrite, type MqttCapabilities, type MqttUniverse } from "./model.ts";
import { MqttPublishes } from "./workload.ts";

/** Publishes in flight at once during the load (one connection, so a session's messages keep their order). */
const LOAD_WINDOW = 32;

/**
 * Creates every persistent session of the universe (connect, SUBSCRIBE its filter with QoS 1, disconnect: the session
 * and its subscription acknowledged on SUBACK), then publishes `dataset.rows` messages: retained sets and deletes, and QoS 1 messages that queue for the
 * offline sessions. One ledger entry per write. A load that is not fully acknowledged throws: the drill cannot start
 * from a state it does not know.
 */
export async function loadMqtt(opts: {
  endpoint: MqttEndpoint;
  caps: MqttCapabilities;
  universe: MqttUniverse;
  dataset: DatasetSpec;
  ledger: Ledger;
  progress: PhaseProgress;
}): Promise<LoadStats> {
  const { endpoint, universe, ledger, progress } = opts;
  let failed: string | undefined;
  for (const session of universe.sessions) {
    // A QoS 1 publish reaches a QoS 1 (or 2) subscription with QoS 1: what the read-back's marker will show.
    const writes = [sessionWrite(session.clientId), subscriptionWrite(session.clientId, session.filter, 1)];
    // CONNECT makes the session and SUBSCRIBE its subscription: two steps, not one commit (not checked all or none).
    const outcome = await ledger.record(
      "loader",
      "load",
      writes,
      async () => {
        const { client } = await connectMqtt(endpoint, sessionConnect(session));
        try {
          const granted = await client.subscribeAsync(session.filter, { qos: 1 });
          const code = granted[0]?.qos;
          if (code !== 1 && code !== 2)
            throw new Error(`SUBSCRIBE ${JSON.stringify(session.filter)} was not granted (code ${code})`);
        } finally {
          await closeMqtt(client);
        }
        return writes;
      },
      isDefiniteFailure,
      { atomic: false },
    );
    if (outcome !== "ok") throw new Error(`load: session ${session.clientId} could not be created (${outcome})`);
  }
  progress.update({ sessions: universe.sessions.length });

  const protocol = opts.caps.protocols.at(-1)!;
  const { client } = await connectMqtt(endpoint, {
    clientId: `dd-loader-${opts.dataset.seed}`,
    protocol,
    persistent: false,
  });
  const publisher = new MqttPublisher(client);
  const publishes = new MqttPublishes(universe, opts.caps, opts.dataset.seed, "load", 0);
  const sessions = universe.sessions.map((s) => s.clientId);
  const inFlight = new Map<string, Promise<unknown>>();
  let acked = 0;
  let bytes = 0;
  try {
    for (let i = 0; i < opts.dataset.rows && !failed; i++) {
      const { publish: p } = publishes.any(universe.retainedTopics, sessions);
      // One write per key at a time: the oracle orders a key's writes by their invocation.
      const sameKey = inFlight.get(p.write.key);
      if (sameKey) await sameKey;
      while (inFlight.size >= LOAD_WINDOW) await Promise.race(inFlight.values());
      const done = ledger
        .record(
          "loader",
          "load",
          [p.write],
          () => publisher.publish(p.topic, p.payload, p.qos, p.retain).then(() => [p.write]),
          isDefiniteFailure,
        )
        .then((outcome) => {
          if (inFlight.get(p.write.key) === done) inFlight.delete(p.write.key);
          if (outcome === "ok") {
            acked++;
            bytes += p.payload.length;
          } else failed ??= `${p.write.key}: ${outcome}`;
          if (acked % 500 === 0)
            progress.update({ messages: acked, "messages/s": Math.round(acked / (progress.elapsedMs() / 1000)) });
        });
      inFlight.set(p.write.key, done);
    }
    await Promise.all(inFlight.values());
  } finally {
    await publisher.close();
  }
  if (failed) throw new Error(`load: a publish was not acknowledged (${failed}); the broker did not take the data set`);
  return { records: acked + 2 * universe.sessions.length, bytes };
}

import { randomUUID } from "node:crypto";
import type { DatasetSpec, EngineNode, LoadStats } from "../../harness/engine.ts";
import type { Ledger } from "../../harness/ledger.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import type { RecordFile } from "../../harness/records.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { removeVolume } from "../../harness/runtime/resources.ts";
import { EventsWorkload, type EventOp } from "../../generators/events.ts";
import { readRestored, type ReadBackFigures } from "../../protocols/event-store/read-back.ts";
import { EventStoreWorkloadClient } from "../../protocols/event-store/workload-client.ts";
import type { StartedEventStore } from "./container.ts";

/** A running EventStoreDB or KurrentDB node on its own volume: the source of a drill, or a restored node. */
export class EventStoreNode implements EngineNode<EventOp> {
  /** What the last canonical read saw beyond the records (the `$all` order), for the invariants. */
  lastRead: ReadBackFigures | undefined;

  constructor(
    readonly node: StartedEventStore,
    readonly volume: string,
  ) {}

  get images(): ResolvedImage[] {
    return [this.node.image];
  }

  /** The load goes through the workload's own client and model (writer `load`), one ledger entry per append. */
  async load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats> {
    const source = new EventsWorkload(dataset.seed);
    const client = new EventStoreWorkloadClient(this.node.api());
    let records = 0;
    try {
      for (let ops = 0; records < dataset.rows && ops < dataset.rows * 2; ops++) {
        const op = source.nextFor("load");
        const intended = await client.intended(op);
        const outcome = await ledger.record("loader", "load", intended, () => client.apply(op), (err) => client.isDefiniteFailure(err));
        if (outcome === "ok" && op.payload.kind === "append") records += op.payload.events.length;
        if (ops % 50 === 0) progress.update({ events: records, "events/s": Math.round(records / Math.max(progress.elapsedMs() / 1000, 0.001)) });
      }
    } finally {
      await client.close();
    }
    return { records };
  }

  async openWorkloadClient(): Promise<EventStoreWorkloadClient> {
    return new EventStoreWorkloadClient(this.node.api());
  }

  /** A read the server refused is the engine's answer about the backup (EngineError); any other failure is not. */
  async readCanonical(into: RecordFile, progress: PhaseProgress): Promise<void> {
    const api = this.node.api();
    try {
      this.lastRead = await readRestored(api, into);
      progress.update({ streams: this.lastRead.streams, events: this.lastRead.events });
    } finally {
      await api.close();
    }
  }

  async probeWrite(): Promise<string> {
    const api = this.node.api();
    const stream = `dr-drill-probe-${randomUUID()}`;
    try {
      const event = { id: randomUUID(), seq: 0, type: "probe", data: Buffer.from("probe"), metadata: { seq: 0, writer: "probe" } };
      await api.append(stream, [event], "no_stream");
      const read = await api.readStream(stream);
      if (read.state !== "ok" || read.events[0]?.id !== event.id) throw new Error(`the probe event appended to ${stream} was not read back (${read.state})`);
      return `appended and read back one event in ${stream}`;
    } finally {
      await api.close();
    }
  }

  async destroy(): Promise<void> {
    await this.node.remove().catch(() => undefined);
    await removeVolume(this.volume);
  }
}

import { randomUUID } from "node:crypto";
import type { DatasetSpec, EngineNode, LoadStats } from "../../harness/engine.ts";
import { EngineError } from "../../harness/engine-error.ts";
import type { Ledger } from "../../harness/ledger.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import type { RecordFile } from "../../harness/records.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { removeVolume } from "../../harness/runtime/resources.ts";
import type { EventOp } from "../../protocols/event-store/model.ts";
import { loadEvents } from "../../protocols/event-store/load.ts";
import { readRestored, type ReadBackFigures } from "../../protocols/event-store/read-back.ts";
import { EventStoreWorkloadClient } from "../../protocols/event-store/workload-client.ts";
import { errorLines } from "../../harness/server-log.ts";
import type { StartedEventStore } from "./container.ts";
import { SERVER_ERRORS } from "./server-errors.ts";

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

  async serverErrors(): Promise<string[]> {
    return errorLines(await this.node.log(), SERVER_ERRORS);
  }

  load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats> {
    return loadEvents({ api: this.node.api(), dataset, ledger, progress });
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

  /** An error the server answered, or an event not read back, is the engine's answer (EngineError); any other is not. */
  async probeWrite(): Promise<string> {
    const api = this.node.api();
    const stream = `dr-drill-probe-${randomUUID()}`;
    try {
      const event = {
        id: randomUUID(),
        seq: 0,
        type: "probe",
        data: Buffer.from("probe"),
        metadata: { seq: 0, writer: "probe" },
      };
      const read = await (async () => {
        await api.append(stream, [event], "no_stream");
        return api.readStream(stream);
      })().catch((err: unknown) => {
        throw api.fromServer(err)
          ? new EngineError(
              `${api.product} refused the probe write: ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`,
            )
          : err;
      });
      if (read.state !== "ok" || read.events[0]?.id !== event.id)
        throw new EngineError(`the probe event appended to ${stream} was not read back (${read.state})`);
      return `appended and read back one event in ${stream}`;
    } finally {
      await api.close();
    }
  }

  async destroy(): Promise<void> {
    await this.node.stop().catch(() => undefined);
    await removeVolume(this.volume);
  }
}

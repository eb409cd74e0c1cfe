import type { DatasetSpec, LoadStats } from "../../harness/engine.ts";
import type { Ledger } from "../../harness/ledger.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import { EventsWorkload } from "./model.ts";
import type { EventStoreApi } from "./api.ts";
import { EventStoreWorkloadClient } from "./workload-client.ts";

/**
 * The load goes through the workload's own client and model (writer `load`), one ledger entry per op, until `rows`
 * events are acknowledged. Every op must end as the model says: an append with a stale expected revision refused
 * (`fail`), every other append and delete acknowledged. Anything else throws, as loadMqtt does: a drill cannot start
 * from a state it does not know, and a load that acknowledged nothing would leave an empty source that an empty
 * restore equals.
 */
export async function loadEvents(opts: {
  api: EventStoreApi;
  dataset: DatasetSpec;
  ledger: Ledger;
  progress: PhaseProgress;
}): Promise<LoadStats> {
  const { dataset, ledger, progress } = opts;
  const source = new EventsWorkload(dataset.seed);
  const client = new EventStoreWorkloadClient(opts.api);
  let records = 0;
  try {
    // Bounded: each tracked append adds at least one event, and deletes and stale appends are a few in a hundred.
    for (let ops = 0; records < dataset.rows; ops++) {
      if (ops >= dataset.rows * 2)
        throw new Error(`load: ${records} of ${dataset.rows} events acknowledged after ${ops} ops`);
      const op = source.nextFor("load");
      const intended = await client.intended(op);
      const outcome = await ledger.record(
        "loader",
        "load",
        intended,
        () => client.apply(op),
        (err) => client.isDefiniteFailure(err),
      );
      const expected = op.payload.kind === "append" && op.payload.expect === "stale" ? "fail" : "ok";
      if (outcome !== expected) {
        throw new Error(
          `load: ${op.kind} on stream ${JSON.stringify(op.payload.stream)} ended ${outcome}, not ${expected} (the ledger holds the error); ${opts.api.product} did not take the data set as sent`,
        );
      }
      if (outcome === "ok" && op.payload.kind === "append") records += op.payload.events.length;
      if (ops % 50 === 0)
        progress.update({
          events: records,
          "events/s": Math.round(records / Math.max(progress.elapsedMs() / 1000, 0.001)),
        });
    }
  } finally {
    await client.close();
  }
  return { records };
}

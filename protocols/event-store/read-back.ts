import { EngineError } from "../../harness/engine-error.ts";
import { LIST_SEPARATOR, type RecordFile } from "../../harness/records.ts";
import { TOMBSTONED, eventDigest, eventKey, eventPreview, stateDigest, stateKey } from "./model.ts";
import type { EventStoreApi, StoredEvent, StreamRead } from "./api.ts";
import { seqOf } from "./workload-client.ts";

export interface ReadBackFigures {
  streams: number;
  events: number;
  tombstoned: number;
  /** Events whose place in `$all` disagrees with their stream's order, or that a stream shows and `$all` does not. */
  allOrderViolations: string[];
}

const isSystem = (e: StoredEvent) => e.streamId.startsWith("$") || e.type.startsWith("$");

/**
 * Reads a node back in canonical form. `$all` (forwards, system events skipped) gives every user stream and each
 * event's place in the log; each stream is then read on its own, since only a stream read applies soft deletes,
 * tombstones and `$maxCount` (their events stay in `$all` until a scavenge). A stream read that fails for a reason
 * other than "not found" or "deleted" is the engine's error and propagates.
 */
export async function readBack(
  api: Pick<EventStoreApi, "readAll" | "readStream">,
  into: Pick<RecordFile, "add">,
): Promise<ReadBackFigures> {
  const place = new Map<string, number>();
  const names = new Set<string>();
  let ordinal = 0;
  for await (const e of api.readAll()) {
    if (e.streamId.startsWith("$")) continue;
    names.add(e.streamId);
    if (!isSystem(e)) place.set(e.id, ordinal++);
  }
  const figures: ReadBackFigures = { streams: 0, events: 0, tombstoned: 0, allOrderViolations: [] };
  for (const stream of [...names].sort()) {
    const read: StreamRead = await api.readStream(stream);
    figures.streams++;
    if (read.state === "tombstoned") {
      figures.tombstoned++;
      await into.add({ key: stateKey(stream), digest: stateDigest(TOMBSTONED), preview: TOMBSTONED });
      continue;
    }
    if (read.state === "not-found") continue;
    let previous = -1;
    for (const e of read.events) {
      if (isSystem(e)) continue;
      const at = place.get(e.id);
      if (at === undefined) figures.allOrderViolations.push(`${stream}@${e.revision}: in the stream, not in $all`);
      else if (at < previous)
        figures.allOrderViolations.push(`${stream}@${e.revision}: $all has it before the stream's previous event`);
      previous = Math.max(previous, at ?? previous);
      const seq = seqOf(e.metadata);
      // An event without our sequence number was never written by the drill: a key no write touched (a phantom).
      const key = seq === undefined ? `${stream}${LIST_SEPARATOR}?${e.revision}` : eventKey(stream, seq);
      await into.add({
        key,
        digest: eventDigest(e.type, e.data, e.metadata),
        preview: eventPreview(e),
        ...(at === undefined ? {} : { position: at }),
      });
      figures.events++;
    }
  }
  return figures;
}

/**
 * Reads a restored node back (readBack). A read the server itself refused is the engine's answer about the backup
 * (EngineError, the check fails with its words); a lost connection, a deadline or a bug of ours propagates as it is,
 * and the drill is undecided.
 */
export async function readRestored(
  api: Pick<EventStoreApi, "readAll" | "readStream" | "fromServer" | "product">,
  into: Pick<RecordFile, "add">,
): Promise<ReadBackFigures> {
  try {
    return await readBack(api, into);
  } catch (err) {
    if (!api.fromServer(err)) throw err;
    throw new EngineError(
      `${api.product} could not be read back: ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`,
    );
  }
}

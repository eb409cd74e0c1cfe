import { ABSENT_DIGEST, type KeyWrite } from "../../harness/ledger.ts";
import type { WorkloadClient, WorkloadOp } from "../../harness/workload.ts";
import { TOMBSTONED, eventDigest, eventKey, eventPreview, stateDigest, stateKey, type EventOp } from "./model.ts";
import type { EventStoreApi, Expected } from "./api.ts";

/** What this writer knows of one of its streams: the last revision acknowledged and the events a read would show. */
interface TrackedStream {
  expected: Expected;
  /** Sequence numbers visible in a stream read, in revision order (the last `$maxCount` ones on a capped stream). */
  visible: number[];
  maxCount?: number;
}

/**
 * One writer's connection. Streams belong to one writer, so the expected revision of each append is the one this
 * client last saw acknowledged; after a refusal (an earlier `info` append may have happened after all) it reads the
 * stream to learn where it really is. An append also records, as deleted, the events it pushes out of a
 * `$maxCount` window, and a delete every event it hides: the oracle then expects them absent.
 */
export class EventStoreWorkloadClient implements WorkloadClient<EventOp> {
  private readonly streams = new Map<string, TrackedStream>();

  constructor(private readonly api: EventStoreApi) {}

  private tracked(stream: string): TrackedStream {
    let t = this.streams.get(stream);
    if (!t) this.streams.set(stream, (t = { expected: "no_stream", visible: [] }));
    return t;
  }

  /** The keys an op will write, with the digests it leaves, from what this client knows before sending it. */
  async intended(op: WorkloadOp<EventOp>): Promise<KeyWrite[]> {
    return this.writesOf(op.payload);
  }

  private writesOf(op: EventOp): KeyWrite[] {
    const t = this.tracked(op.stream);
    if (op.kind === "delete") {
      const hidden = t.visible.map((seq) => ({ key: eventKey(op.stream, seq), digest: ABSENT_DIGEST }));
      return op.tombstone
        ? [...hidden, { key: stateKey(op.stream), digest: stateDigest(TOMBSTONED), preview: TOMBSTONED }]
        : hidden;
    }
    // On a capped stream the oldest events leave the window, new ones included when one append exceeds the cap.
    const maxCount = op.maxCount ?? t.maxCount ?? Infinity;
    const after = [...t.visible, ...op.events.map((e) => e.seq)];
    const gone = new Set(after.slice(0, Math.max(0, after.length - maxCount)));
    const added = op.events.map((e) =>
      gone.has(e.seq)
        ? { key: eventKey(op.stream, e.seq), digest: ABSENT_DIGEST }
        : {
            key: eventKey(op.stream, e.seq),
            digest: eventDigest(e.type, e.data, e.metadata),
            preview: eventPreview(e),
          },
    );
    const pushedOut = t.visible
      .filter((seq) => gone.has(seq))
      .map((seq) => ({ key: eventKey(op.stream, seq), digest: ABSENT_DIGEST }));
    return [...added, ...pushedOut];
  }

  async apply(op: WorkloadOp<EventOp>): Promise<KeyWrite[]> {
    const p = op.payload;
    const t = this.tracked(p.stream);
    const writes = this.writesOf(p);
    try {
      if (p.kind === "delete") {
        await this.api.deleteStream(p.stream, t.expected, p.tombstone);
        this.streams.delete(p.stream);
        return writes;
      }
      if (p.maxCount !== undefined) {
        await this.api.setMaxCount(p.stream, p.maxCount);
        t.maxCount = p.maxCount;
      }
      const expected = p.expect === "stale" ? staleRevision(t.expected) : t.expected;
      t.expected = await this.api.append(p.stream, p.events, expected);
      t.visible = [...t.visible, ...p.events.map((e) => e.seq)].slice(-(t.maxCount ?? Infinity));
      return writes;
    } catch (err) {
      if (this.api.outcomeOf(err) === "fail" && p.kind === "append" && p.expect === "tracked")
        await this.resync(p.stream, t);
      throw err;
    }
  }

  /** Reads where a stream really is (after a refused append), so the writer's next append can succeed. */
  private async resync(stream: string, t: TrackedStream): Promise<void> {
    const read = await this.api.readStream(stream).catch(() => undefined);
    if (read?.state !== "ok") return;
    const last = read.events.at(-1);
    t.expected = last ? last.revision : "no_stream";
    t.visible = read.events.flatMap((e) => (typeof seqOf(e.metadata) === "number" ? [seqOf(e.metadata)!] : []));
  }

  isDefiniteFailure(err: unknown): boolean {
    return this.api.outcomeOf(err) === "fail";
  }

  close(): Promise<void> {
    return this.api.close();
  }
}

/** A revision the server must refuse: far past anything this writer appended. */
function staleRevision(expected: Expected): Expected {
  return typeof expected === "bigint" ? expected + 1000n : 1000n;
}

export function seqOf(metadata: unknown): number | undefined {
  if (typeof metadata !== "object" || metadata === null || !("seq" in metadata)) return undefined;
  return typeof metadata.seq === "number" ? metadata.seq : undefined;
}

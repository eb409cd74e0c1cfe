import { StreamDeletedError, UnavailableError, WrongExpectedVersionError } from "@eventstore/db-client";
import type { NewEvent } from "../model.ts";
import type { EventStoreApi, Expected, StoredEvent, StreamRead } from "../api.ts";
import { outcomeByClass } from "../adapter.ts";
import { ESDB_ERRORS } from "../esdb.ts";

/**
 * An in-memory stream store that keeps the server's rules (expected revisions, `$maxCount`, deletes, tombstones) and
 * throws the client library's real error classes: the drill's own workload client, load and read-back run against it
 * without a server.
 */
export interface Stream {
  events: StoredEvent[];
  last: bigint | "no_stream";
  deleted?: "soft" | "tombstone";
  maxCount?: number;
}

export class StreamStore implements EventStoreApi {
  readonly product = "in-memory stream store";
  streams = new Map<string, Stream>();
  all: StoredEvent[] = [];
  unreachable = false;
  /** Appends refused with WrongExpectedVersion, kept so a test can forge a restore that shows them. */
  refused: { stream: string; events: NewEvent[] }[] = [];

  private stream(name: string): Stream {
    let s = this.streams.get(name);
    if (!s) this.streams.set(name, (s = { events: [], last: "no_stream" }));
    return s;
  }

  private check(name: string, expected: Expected, events: NewEvent[] = []): Stream {
    if (this.unreachable) throw new UnavailableError(undefined, "connection lost");
    const s = this.stream(name);
    if (s.deleted === "tombstone") throw StreamDeletedError.fromStreamName(name);
    if (expected !== "any" && expected !== s.last) {
      this.refused.push({ stream: name, events });
      throw new WrongExpectedVersionError(undefined, { streamName: name, expected, current: s.last });
    }
    return s;
  }

  async append(name: string, events: NewEvent[], expected: Expected): Promise<bigint> {
    const s = this.check(name, expected, events);
    return this.write(name, s, events);
  }

  /** Writes a refused append after all, as a broken restore would show it. */
  unrefuse(r: { stream: string; events: NewEvent[] }): void {
    this.write(r.stream, this.stream(r.stream), r.events);
  }

  private write(name: string, s: Stream, events: NewEvent[]): bigint {
    for (const e of events) {
      const revision = s.last === "no_stream" ? 0n : s.last + 1n;
      const stored = {
        id: e.id,
        streamId: name,
        revision,
        type: e.type,
        data: new Uint8Array(e.data),
        metadata: JSON.parse(JSON.stringify(e.metadata)) as unknown,
      };
      s.events.push(stored);
      this.all.push(stored);
      s.last = revision;
    }
    return s.last as bigint;
  }

  async setMaxCount(name: string, maxCount: number): Promise<void> {
    if (this.unreachable) throw new UnavailableError();
    this.stream(name).maxCount = maxCount;
  }

  async deleteStream(name: string, expected: Expected, tombstone: boolean): Promise<void> {
    this.check(name, expected).deleted = tombstone ? "tombstone" : "soft";
  }

  async readStream(name: string): Promise<StreamRead> {
    const s = this.streams.get(name);
    if (s?.deleted === "tombstone") return { state: "tombstoned" };
    if (!s || s.deleted === "soft" || s.events.length === 0) return { state: "not-found" };
    return { state: "ok", events: s.events.slice(-(s.maxCount ?? Infinity)) };
  }

  async *readAll(): AsyncIterable<StoredEvent> {
    yield* this.all;
  }

  outcomeOf(err: unknown) {
    return outcomeByClass(err, ESDB_ERRORS);
  }

  fromServer(err: unknown) {
    return ESDB_ERRORS.server.some((c) => err instanceof c);
  }

  async close(): Promise<void> {}

  copy(): StreamStore {
    const c = new StreamStore();
    c.streams = structuredClone(this.streams);
    const byId = new Map([...c.streams.values()].flatMap((s) => s.events.map((e) => [e.id, e] as const)));
    c.all = this.all.map((e) => byId.get(e.id)!);
    c.refused = this.refused;
    return c;
  }
}

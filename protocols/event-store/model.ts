import { createHash } from "node:crypto";
import fc from "fast-check";
import { LIST_SEPARATOR } from "../../harness/records.ts";
import { deriveSeed } from "../../harness/seed.ts";
import type { OpSource, WorkloadOp } from "../../harness/workload.ts";
import { nastyText } from "../../harness/hostile-values.ts";

/**
 * The event-store data model (EventStoreDB, KurrentDB): streams of events appended with an expected revision, several
 * events per append, `$maxCount` on some streams, streams soft-deleted or tombstoned. Each event carries its writer's
 * sequence number in its metadata, so a restored event is matched to the write that made it whatever revision the
 * server gave it: the canonical key is `<stream>\u001f<seq>` and the position the event's place in `$all`.
 */
export interface NewEvent {
  id: string;
  seq: number;
  type: string;
  data: Buffer;
  metadata: EventMetadata;
}

/** Fixed key order: the digest is taken over `JSON.stringify` of what the server hands back parsed. */
export interface EventMetadata {
  seq: number;
  writer: string;
}

export type EventOp =
  | {
      kind: "append";
      stream: string;
      events: NewEvent[];
      /** `tracked`: the revision the client last saw acknowledged; `stale`: one the server must refuse. */
      expect: "tracked" | "stale";
      /** Set as `$maxCount` metadata before the stream's first append. */
      maxCount?: number;
    }
  | { kind: "delete"; stream: string; tombstone: boolean };

/** The key of a stream's state marker (sorts after every event key of the stream, has no position). */
export const TOMBSTONED = "tombstoned";

export function eventKey(stream: string, seq: number): string {
  return `${stream}${LIST_SEPARATOR}${String(seq).padStart(8, "0")}`;
}

export function stateKey(stream: string): string {
  return `${stream}${LIST_SEPARATOR}~state`;
}

export function eventDigest(type: string, data: Uint8Array, metadata: unknown): string {
  return createHash("sha256")
    .update(type)
    .update("\0")
    .update(data)
    .update("\0")
    .update(JSON.stringify(metadata) ?? "")
    .digest("hex");
}

export function stateDigest(state: string): string {
  return createHash("sha256").update(`state\0${state}`).digest("hex");
}

export function eventPreview(e: { type: string; data: Uint8Array }): string {
  return `${e.type}: ${Buffer.from(e.data).toString("utf8").slice(0, 60)}`;
}

/**
 * Stream names that break naive tools (spaces, slashes, percent-escapes, quotes, unicode, a leading dash), never
 * what the canonical form cannot hold (tab, line breaks, the list separator) nor a leading `$` (system streams).
 */
const NAME_TRAPS = [
  "order 42",
  "ünïcødé/流",
  "a%2Fb",
  "😀-stream",
  "..",
  "-leading-dash",
  `quote"s'`,
  "back\\slash",
  "#hash?q=1",
  "spaces  double",
  "e\u0301vent",
  "x".repeat(120),
];
const TYPES = ["OrderPlaced", "order.shipped/v2", "Ünïcode Typé", "with space", "a$dollar"];

export function safeStreamName(raw: string): string {
  const cleaned = [...raw]
    .map((c) => (c === LIST_SEPARATOR || c === "\t" || c === "\n" || c === "\r" || c === "\0" ? "_" : c))
    .join("");
  return cleaned.startsWith("$") ? `_${cleaned}` : cleaned;
}

const eventBody = fc.record({
  type: fc.constantFrom(...TYPES),
  text: nastyText(60),
  binary: fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { freq: 4, nil: undefined }),
});

interface WriterState {
  stream: string;
  streams: number;
  seq: number;
  appends: number;
  ops: number;
  maxCount?: number;
}

/**
 * Writer-scoped streams (a stream belongs to one writer, so its appends are sequential and its expected revision is
 * known). A writer appends 1-5 events at a time, now and then with a stale expected revision (which the server must
 * refuse: a definite `fail`), and ends a stream with a delete or a tombstone, then opens the next one.
 */
export class EventsWorkload implements OpSource<EventOp> {
  private readonly writers = new Map<string, WriterState>();

  constructor(private readonly seed: number) {}

  private state(writer: string): WriterState {
    let s = this.writers.get(writer);
    if (!s) {
      s = { stream: "", streams: 0, seq: 0, appends: 0, ops: 0 };
      this.openStream(writer, s);
      this.writers.set(writer, s);
    }
    return s;
  }

  private openStream(writer: string, s: WriterState): void {
    const [trap, maxCount] = fc.sample(
      fc.tuple(fc.constantFrom(...NAME_TRAPS), fc.option(fc.integer({ min: 3, max: 8 }), { freq: 4, nil: undefined })),
      {
        seed: deriveSeed(this.seed, "stream", writer, s.streams),
        numRuns: 1,
      },
    )[0]!;
    s.stream = safeStreamName(`${trap}-${writer}-${s.streams}`);
    s.streams++;
    s.appends = 0;
    if (maxCount === undefined) delete s.maxCount;
    else s.maxCount = maxCount;
  }

  /** The op for a named writer (`w0`, `load`…): the workload's writers and the load phase share the model. */
  nextFor(writer: string): WorkloadOp<EventOp> {
    const s = this.state(writer);
    const opSeed = deriveSeed(this.seed, "event-op", writer, s.ops++);
    const [roll, count] = fc.sample(fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 5 })), {
      seed: opSeed,
      numRuns: 1,
    })[0]!;
    if (s.appends >= 2 && roll < 5) {
      const op: EventOp = { kind: "delete", stream: s.stream, tombstone: roll < 2 };
      this.openStream(writer, s);
      return { kind: op.tombstone ? "tombstone" : "delete", keys: [], payload: op };
    }
    const bodies = fc.sample(eventBody, { seed: opSeed, numRuns: count });
    const events: NewEvent[] = bodies.map((b, i) => {
      const seq = s.seq++;
      return {
        id: uuidFrom(opSeed, i),
        seq,
        type: b.type,
        data: b.binary ? Buffer.from(b.binary) : Buffer.from(b.text, "utf8"),
        metadata: { seq, writer },
      };
    });
    const stale = s.appends > 0 && roll >= 97;
    const op: EventOp = {
      kind: "append",
      stream: s.stream,
      events,
      expect: stale ? "stale" : "tracked",
      ...(s.appends === 0 && s.maxCount ? { maxCount: s.maxCount } : {}),
    };
    if (!stale) s.appends++;
    return { kind: stale ? "append-stale" : "append", keys: events.map((e) => eventKey(s.stream, e.seq)), payload: op };
  }

  next(writer: number): WorkloadOp<EventOp> {
    return this.nextFor(`w${writer}`);
  }
}

/** A version-4 UUID derived from the op's seed: replays send the same event ids. */
function uuidFrom(seed: number, i: number): string {
  const b = createHash("sha256").update(`${seed}/${i}`).digest();
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.subarray(0, 16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

import type { NewEvent } from "./model.ts";
import type { EventStoreApi, Expected, StoredEvent, StreamRead, WriteOutcome } from "./api.ts";

/** The recorded event as both clients hand it back (`ResolvedEvent.event`). */
export interface ClientRecordedEvent {
  id: string;
  streamId: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata?: unknown;
}

/** Error classes by their meaning for a write; both clients export classes of these names. */
type ErrorClass = abstract new (...args: never[]) => Error;
export interface ErrorClasses {
  /** Refused before anything was written. */
  definite: ErrorClass[];
  notFound: ErrorClass;
  deleted: ErrorClass[];
  /**
   * What the server itself answered with: a named exception, or an error status the client does not name itself
   * (`UnknownError`). Not a lost connection, a deadline or a cancellation (`UnavailableError`,
   * `DeadlineExceededError`, `TimeoutError`, `CancelledError`), nor an error the client raises on its own.
   */
  server: ErrorClass[];
}

/** One client's calls, with its own option names (`expectedRevision` or `streamState`). */
export interface ClientCalls {
  product: string;
  append(stream: string, events: NewEvent[], expected: Expected): Promise<bigint>;
  setMaxCount(stream: string, maxCount: number): Promise<void>;
  deleteStream(stream: string, expected: Expected): Promise<void>;
  tombstoneStream(stream: string, expected: Expected): Promise<void>;
  readStream(stream: string): AsyncIterable<{ event?: ClientRecordedEvent }>;
  readAll(): AsyncIterable<{ event?: ClientRecordedEvent }>;
  close(): Promise<void>;
}

type Revision = bigint | "any" | "no_stream";
type Read = AsyncIterable<{ event?: ClientRecordedEvent }>;

/**
 * The calls dr-drill makes, as both clients declare them; only the name of the append's expected-state option
 * differs (`expectedRevision` in @eventstore/db-client, `streamState` in @kurrent/kurrentdb-client).
 */
export interface ClientLike<Event> {
  appendToStream(
    stream: string,
    events: Event[],
    options: { deadline: number },
  ): Promise<{ nextExpectedRevision: bigint }>;
  setStreamMetadata(stream: string, metadata: { maxCount: number }, options: { deadline: number }): Promise<unknown>;
  deleteStream(stream: string, options: { expectedRevision: Revision; deadline: number }): Promise<unknown>;
  tombstoneStream(stream: string, options: { expectedRevision: Revision; deadline: number }): Promise<unknown>;
  readStream(stream: string, options: { direction: "forwards"; fromRevision: "start"; deadline: number }): Read;
  readAll(options: { direction: "forwards"; fromPosition: "start"; deadline: number }): Read;
  dispose(): Promise<void>;
}

/** The calls of one client, every one with a deadline. */
export function clientCalls<Event>(
  product: string,
  client: ClientLike<Event>,
  toEvent: (e: NewEvent) => Event,
  appendOptions: (expected: Revision, deadline: number) => { deadline: number },
  deadline: number,
): ClientCalls {
  const forwards = { direction: "forwards", deadline: deadline * 20 } as const;
  return {
    product,
    append: async (stream, events, expected) =>
      (await client.appendToStream(stream, events.map(toEvent), appendOptions(expected, deadline)))
        .nextExpectedRevision,
    setMaxCount: async (stream, maxCount) => void (await client.setStreamMetadata(stream, { maxCount }, { deadline })),
    deleteStream: async (stream, expected) =>
      void (await client.deleteStream(stream, { expectedRevision: expected, deadline })),
    tombstoneStream: async (stream, expected) =>
      void (await client.tombstoneStream(stream, { expectedRevision: expected, deadline })),
    readStream: (stream) => client.readStream(stream, { ...forwards, fromRevision: "start" }),
    readAll: () => client.readAll({ ...forwards, fromPosition: "start" }),
    close: () => client.dispose(),
  };
}

function stored(e: ClientRecordedEvent): StoredEvent {
  const data = e.data instanceof Uint8Array ? e.data : Buffer.from(JSON.stringify(e.data) ?? "", "utf8");
  return { id: e.id, streamId: e.streamId, revision: e.revision, type: e.type, data, metadata: e.metadata };
}

/** The mapping both engines share: WrongExpectedVersion and other refusals are `fail`, anything else `info`. */
export function outcomeByClass(err: unknown, classes: ErrorClasses): WriteOutcome {
  return classes.definite.some((c) => err instanceof c) ? "fail" : "info";
}

export function eventStoreApi(calls: ClientCalls, classes: ErrorClasses): EventStoreApi {
  return {
    product: calls.product,
    append: (stream, events, expected) => calls.append(stream, events, expected),
    setMaxCount: (stream, maxCount) => calls.setMaxCount(stream, maxCount),
    deleteStream: (stream, expected, tombstone) =>
      tombstone ? calls.tombstoneStream(stream, expected) : calls.deleteStream(stream, expected),
    async readStream(stream): Promise<StreamRead> {
      const events: StoredEvent[] = [];
      try {
        for await (const resolved of calls.readStream(stream)) if (resolved.event) events.push(stored(resolved.event));
      } catch (err) {
        if (err instanceof classes.notFound) return { state: "not-found" };
        if (classes.deleted.some((c) => err instanceof c)) return { state: "tombstoned" };
        throw err;
      }
      return { state: "ok", events };
    },
    async *readAll() {
      for await (const resolved of calls.readAll()) if (resolved.event) yield stored(resolved.event);
    },
    outcomeOf: (err) => outcomeByClass(err, classes),
    fromServer: (err) => classes.server.some((c) => err instanceof c),
    close: () => calls.close(),
  };
}

import {
  AccessDeniedError,
  EventStoreDBClient,
  InvalidArgumentError,
  MaxAppendSizeExceededError,
  NotFoundError,
  NotLeaderError,
  StreamDeletedError,
  StreamNotFoundError,
  UnknownError,
  WrongExpectedVersionError,
  binaryEvent,
} from "@eventstore/db-client";
import type { EventStoreApi } from "./api.ts";
import { clientCalls, eventStoreApi, type ErrorClasses } from "./adapter.ts";

/** `@eventstore/db-client` (EventStoreDB 22.10-24.10): the error classes that prove a write did not happen. */
export const ESDB_ERRORS: ErrorClasses = {
  definite: [
    WrongExpectedVersionError,
    StreamDeletedError,
    MaxAppendSizeExceededError,
    AccessDeniedError,
    InvalidArgumentError,
  ],
  notFound: StreamNotFoundError,
  deleted: [StreamDeletedError],
  server: [
    UnknownError,
    NotFoundError,
    NotLeaderError,
    AccessDeniedError,
    StreamNotFoundError,
    StreamDeletedError,
    WrongExpectedVersionError,
    MaxAppendSizeExceededError,
  ],
};

/** An insecure single node on a mapped port (`esdb://…?tls=false`); appends name the expected `expectedRevision`. */
export function esdbApi(host: string, port: number, deadline = 15_000): EventStoreApi {
  const client = EventStoreDBClient.connectionString(`esdb://${host}:${port}?tls=false`);
  const calls = clientCalls(
    "EventStoreDB",
    client,
    (e) => binaryEvent({ id: e.id, type: e.type, data: e.data, metadata: e.metadata }),
    (expectedRevision, ms) => ({ expectedRevision, deadline: ms }),
    deadline,
  );
  return eventStoreApi(calls, ESDB_ERRORS);
}

import { describe, expect, it } from "vitest";
import * as esdb from "@eventstore/db-client";
import * as kurrent from "@kurrent/kurrentdb-client";
import { outcomeByClass } from "../adapter.ts";
import { ESDB_ERRORS } from "../esdb.ts";
import { KURRENT_ERRORS } from "../kurrent.ts";

/**
 * Which write errors prove the write did not happen, with the clients' own error classes, built the way each client
 * builds them from a gRPC failure (`convertToCommandError`: the status code, and the server's `exception` metadata).
 */
function grpcFailure(code: number, details: string, metadata: Record<string, string> = {}): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: { getMap: () => metadata } });
}

const GRPC = { DEADLINE_EXCEEDED: 4, UNAVAILABLE: 14, CANCELLED: 1, UNKNOWN: 2, FAILED_PRECONDITION: 9 };
const wrongExpectedVersion = {
  exception: "wrong-expected-version",
  "stream-name": "order 42",
  "expected-version": "3",
  "actual-version": "5",
};

const clients = [
  { name: "@eventstore/db-client", lib: esdb, classes: ESDB_ERRORS },
  { name: "@kurrent/kurrentdb-client", lib: kurrent, classes: KURRENT_ERRORS },
] as const;

describe.each(clients)("write outcomes with $name", ({ lib, classes }) => {
  const outcome = (err: unknown) => outcomeByClass(err, classes);

  it("records WrongExpectedVersion as fail, from the server's answer and as the client raises it", () => {
    const converted = lib.convertToCommandError(
      grpcFailure(GRPC.FAILED_PRECONDITION, "Wrong expected version", wrongExpectedVersion),
    );
    expect(converted).toBeInstanceOf(lib.WrongExpectedVersionError);
    expect(outcome(converted)).toBe("fail");
  });

  it("records a write to a deleted stream as fail", () => {
    expect(outcome(lib.StreamDeletedError.fromStreamName("gone"))).toBe("fail");
    expect(
      outcome(
        lib.convertToCommandError(
          grpcFailure(GRPC.FAILED_PRECONDITION, "deleted", { exception: "stream-deleted", "stream-name": "gone" }),
        ),
      ),
    ).toBe("fail");
  });

  it("records a lost connection, a deadline, a cancellation and anything unknown as info", () => {
    const unavailable = lib.convertToCommandError(
      grpcFailure(GRPC.UNAVAILABLE, "UNAVAILABLE: No connection established"),
    );
    expect(unavailable).toBeInstanceOf(lib.UnavailableError);
    const deadline = lib.convertToCommandError(grpcFailure(GRPC.DEADLINE_EXCEEDED, "Deadline exceeded"));
    expect(deadline).toBeInstanceOf(lib.DeadlineExceededError);
    for (const err of [
      unavailable,
      deadline,
      lib.convertToCommandError(grpcFailure(GRPC.CANCELLED, "Cancelled")),
      lib.convertToCommandError(grpcFailure(GRPC.UNKNOWN, "boom")),
      new Error("socket hang up"),
      "a string",
    ]) {
      expect(outcome(err), String(err)).toBe("info");
    }
  });
});

describe("the two clients' classes are not interchangeable", () => {
  it("does not take a KurrentDB WrongExpectedVersion for an EventStoreDB one (each adapter maps its own client)", () => {
    const kurrentWev = kurrent.convertToCommandError(
      grpcFailure(GRPC.FAILED_PRECONDITION, "Wrong expected version", wrongExpectedVersion),
    );
    expect(outcomeByClass(kurrentWev, KURRENT_ERRORS)).toBe("fail");
    expect(outcomeByClass(kurrentWev, ESDB_ERRORS)).toBe("info");
  });
});

import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { WrongExpectedVersionError } from "@eventstore/db-client";
import { DrillClock } from "../../../harness/clock.ts";
import { Ledger, type LedgerEntry } from "../../../harness/ledger.ts";
import { Progress } from "../../../harness/progress.ts";
import { EventsWorkload, type NewEvent } from "../model.ts";
import type { Expected } from "../api.ts";
import { loadEvents } from "../load.ts";
import { StreamStore } from "./stream-store.ts";
import { makeTempDir } from "../../../test/unit/support.ts";

const progress = new Progress("[test]", { line: () => undefined }).phase("load");

async function load(store: StreamStore, rows: number) {
  const dir = await makeTempDir();
  const ledger = new Ledger(join(dir, "ledger.jsonl"), new DrillClock());
  const loaded = loadEvents({ api: store, dataset: { seed: 7, rows }, ledger, progress });
  const settled = await loaded.then(
    (stats) => ({ stats, error: undefined }),
    (error: Error) => ({ stats: undefined, error }),
  );
  await ledger.close();
  const entries = (await readFile(ledger.path, "utf8"))
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LedgerEntry);
  return { ...settled, entries };
}

/** A store that refuses the first append (a tracked one) as if another writer had got there first: a definite `fail`. */
class RefusesOnce extends StreamStore {
  calls = 0;
  override async append(name: string, events: NewEvent[], expected: Expected): Promise<bigint> {
    if (++this.calls === 1) throw new WrongExpectedVersionError(undefined, { streamName: name, expected, current: 0n });
    return super.append(name, events, expected);
  }
}

describe("EventStore load", () => {
  it("loads until `rows` events are acknowledged, stale appends refused as the model says", async () => {
    const { stats, error, entries } = await load(new StreamStore(), 120);
    expect(error).toBeUndefined();
    expect(stats!.records).toBeGreaterThanOrEqual(120);
    // The same model op by op: the stale appends (a few) were refused, everything else acknowledged.
    const model = new EventsWorkload(7);
    const kinds = entries.map((e) => [model.nextFor("load").kind, e.outcome]);
    expect(kinds.filter(([kind]) => kind === "append-stale").length).toBeGreaterThan(0);
    for (const [kind, outcome] of kinds) expect(outcome, kind).toBe(kind === "append-stale" ? "fail" : "ok");
  });

  it("throws when no append is acknowledged, instead of handing the drill an empty source", async () => {
    const store = new StreamStore();
    store.unreachable = true;
    const { error, entries } = await load(store, 50);
    expect(error?.message).toMatch(
      /^load: append on stream .* ended info, not ok \(the ledger holds the error\); in-memory stream store did not take the data set as sent$/,
    );
    expect(entries).toHaveLength(1);
  });

  it("throws when one tracked append is refused, naming the stream", async () => {
    const { error } = await load(new RefusesOnce(), 200);
    expect(error?.message).toMatch(/^load: append on stream ".*" ended fail, not ok/);
  });
});

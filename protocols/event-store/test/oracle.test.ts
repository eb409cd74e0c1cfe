import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkAgainstLedger, type BackupWindow, type Violation } from "../../../harness/checkers/ledger-oracle.ts";
import { DrillClock } from "../../../harness/clock.ts";
import { Ledger, type LedgerEntry } from "../../../harness/ledger.ts";
import { RecordFile } from "../../../harness/records.ts";
import { EventsWorkload, type NewEvent } from "../model.ts";
import type { StoredEvent } from "../api.ts";
import { readBack } from "../read-back.ts";
import { EventStoreWorkloadClient } from "../workload-client.ts";
import { StreamStore, type Stream } from "./stream-store.ts";
import { makeTempDir } from "../../../test/unit/support.ts";

/**
 * The event-store oracle end to end without a server: the drill's own workload client and read-back run against an
 * in-memory stream store (stream-store.ts); the restored state is a copy of that store taken inside the backup
 * window, then damaged the ways a bad backup would.
 */
class StepClock extends DrillClock {
  t = 0;
  override now(): number {
    return (this.t += 1);
  }
}

interface Run {
  dir: string;
  ledger: Ledger;
  window: BackupWindow;
  source: StreamStore;
  restored: StreamStore;
}

/** Two writers, `ops` ops each; the backup window covers the middle third and the copy is taken inside it. */
async function drill(seed: number, ops = 60, opts: { lossyTail?: boolean } = {}): Promise<Run> {
  const dir = await makeTempDir();
  const clock = new StepClock();
  const ledger = new Ledger(join(dir, "ledger.jsonl"), clock);
  const source = new StreamStore();
  const workload = new EventsWorkload(seed);
  const clients = [new EventStoreWorkloadClient(source), new EventStoreWorkloadClient(source)];
  let restored: StreamStore | undefined;
  const window = { start: 0, end: 0 };
  for (let i = 0; i < ops; i++) {
    if (i === Math.floor(ops / 3)) window.start = clock.now();
    if (i === Math.floor(ops / 2)) restored = source.copy();
    if (i === Math.floor((2 * ops) / 3)) window.end = clock.now();
    source.unreachable = opts.lossyTail === true && i % 7 === 3;
    for (const [w, client] of clients.entries()) {
      const op = workload.next(w);
      const intended = await client.intended(op);
      await ledger.record(
        `writer-${w}`,
        op.kind,
        intended,
        () => client.apply(op),
        (err) => client.isDefiniteFailure(err),
      );
    }
  }
  await ledger.close();
  return { dir, ledger, window, source, restored: restored! };
}

async function oracle(run: Run, store = run.restored) {
  const file = new RecordFile(join(run.dir, `restored-${Math.random()}.tsv`));
  const figures = await readBack(store, file);
  await file.close();
  const result = await checkAgainstLedger({
    ledgerPath: run.ledger.path,
    restoredPath: file.path,
    window: run.window,
    model: { consistency: "prefix-per-stream" },
    workDir: run.dir,
  });
  return { result, figures };
}

const broken = (r: Awaited<ReturnType<typeof oracle>>["result"]) =>
  (Object.keys(r.figures.violations) as Violation[]).filter((v) => r.figures.violations[v] > 0);
const cutChecks = (r: Awaited<ReturnType<typeof oracle>>["result"]) => r.cutChecks.map((c) => [c.name, c.valid]);

/** A stream of the restored copy with at least `n` visible events. */
function streamWith(store: StreamStore, n: number): [string, Stream] {
  const found = [...store.streams.entries()].find(
    ([, s]) => !s.deleted && s.events.length >= n && s.maxCount === undefined,
  );
  expect(found, "a live stream with enough events").toBeDefined();
  return found!;
}

describe("event-store read-back", () => {
  it("skips system streams and events, marks tombstones, leaves soft-deleted streams out, keys foreign events apart", async () => {
    const store = new StreamStore();
    const event = (seq: number, type = "Placed"): NewEvent => ({
      id: `id-${seq}-${type}`,
      seq,
      type,
      data: Buffer.from(`e${seq}`),
      metadata: { seq, writer: "w0" },
    });
    await store.append("orders 1", [event(0), event(1)], "no_stream");
    await store.append("$system", [event(2)], "no_stream");
    await store.append("gone", [event(3)], "no_stream");
    await store.deleteStream("gone", 0n, true);
    await store.append("soft", [event(4)], "no_stream");
    await store.deleteStream("soft", 0n, false);
    await store.append("orders 1", [event(5, "$metadata-like")], 1n);
    const foreign: StoredEvent = {
      id: "foreign",
      streamId: "orders 1",
      revision: 3n,
      type: "Other",
      data: new Uint8Array([1]),
      metadata: { by: "someone else" },
    };
    store.streams.get("orders 1")!.events.push(foreign);
    store.all.push(foreign);
    const lines: { key: string; position?: number }[] = [];
    const figures = await readBack(store, {
      add: async (r) =>
        void lines.push({
          key: r.key.replace("\u001f", "/"),
          ...(r.position === undefined ? {} : { position: r.position }),
        }),
    });
    expect(lines).toEqual([
      { key: "gone/~state" },
      { key: "orders 1/00000000", position: 0 },
      { key: "orders 1/00000001", position: 1 },
      { key: "orders 1/?3", position: 4 },
    ]);
    expect(figures).toMatchObject({ streams: 3, events: 3, tombstoned: 1, allOrderViolations: [] });
  });
});

describe("event-store oracle: prefix per stream, deletes, $all order", () => {
  it("accepts a copy taken inside the backup window, with refused appends, deletes, tombstones and $maxCount", async () => {
    const run = await drill(7);
    expect(run.ledger.counts.fail).toBeGreaterThan(0);
    const { result, figures } = await oracle(run);
    expect(result.summary).toMatch(/^all \d+ keys consistent/);
    expect(result.valid).toBe(true);
    expect(cutChecks(result)).toEqual([
      ["atomicity", true],
      ["prefix", true],
    ]);
    expect(
      figures.tombstoned + [...run.restored.streams.values()].filter((s) => s.deleted === "soft").length,
    ).toBeGreaterThan(0);
    expect(figures.allOrderViolations).toEqual([]);
    expect(
      [...run.restored.streams.values()].some((s) => s.maxCount !== undefined && s.events.length > s.maxCount),
    ).toBe(true);
  });

  it("accepts lost connections as info: the appends may or may not be there", async () => {
    const run = await drill(11, 60, { lossyTail: true });
    expect(run.ledger.counts.info).toBeGreaterThan(0);
    const r = (await oracle(run)).result;
    expect(r.valid, `${r.summary}\n${r.examples?.join("\n")}`).toBe(true);
    expect(cutChecks(r), JSON.stringify(r.cutChecks)).toEqual([
      ["atomicity", true],
      ["prefix", true],
    ]);
  });

  it("reports an event acknowledged before the backup started and missing as lost", async () => {
    const run = await drill(7);
    // Everything acknowledged before the backup: the final state is the only acceptable one.
    run.window.start = run.window.end = Infinity;
    expect((await oracle(run, run.source)).result.valid).toBe(true);
    const damaged = run.source.copy();
    const live = [...damaged.streams.values()].find((st) => !st.deleted && st.events.length > 0)!;
    live.events.splice(live.events.length - Math.min(live.maxCount ?? Infinity, live.events.length), 1);
    const { result } = await oracle(run, damaged);
    expect(broken(result)).toEqual(["lost"]);
  });

  it("reports a gap in a stream (an event missing before one that survived) as a torn cut", async () => {
    const run = await drill(7, 90);
    // The last events of a stream written inside the window: drop one and keep the one after it.
    const candidates = [...run.source.streams.entries()].filter(
      ([, s]) => !s.deleted && s.maxCount === undefined && s.events.length >= 6,
    );
    const [name, s] = candidates.at(-1)!;
    const damaged = run.source.copy();
    damaged.streams.get(name)!.events.splice(s.events.length - 3, 1);
    run.window.end = Infinity;
    const { result } = await oracle(run, damaged);
    expect(broken(result)).toEqual(expect.arrayContaining(["torn-cut"]));
    expect(result.summary).toMatch(/torn cut: /);
    expect(result.cutChecks.find((c) => c.name === "prefix")).toMatchObject({ valid: false, details: { gaps: 1 } });
  });

  it("reports an event missing from the middle of one append as a gap and a torn write, which the cut cannot see", async () => {
    const run = await drill(7, 90);
    // The last append of a live stream, of 3 events still visible: drop its middle event from a copy taken at the end,
    // of a backup that started before any write (nothing lost by rule 1, everything after the start).
    run.window.start = 0;
    const ledger = (await readFile(run.ledger.path, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as LedgerEntry);
    const streamOf = (e: LedgerEntry) => e.writes[0]?.key.split("\u001f")[0];
    const last = (e: LedgerEntry) =>
      run.source.streams.get(streamOf(e)!)?.deleted === undefined &&
      ledger.every((later) => later.seq <= e.seq || streamOf(later) !== streamOf(e));
    const append = ledger.find(
      (e) => e.op === "append" && e.outcome === "ok" && e.writes.filter((w) => w.digest !== "-").length >= 3 && last(e),
    );
    expect(append, "an acknowledged append of 3 visible events, the last of its live stream").toBeDefined();
    const [stream] = append!.writes[1]!.key.split("\u001f");
    const damaged = run.source.copy();
    const s = damaged.streams.get(stream!)!;
    const visible = append!.writes.filter((w) => w.digest !== "-");
    const middle = s.events.findIndex(
      (e) => `${stream}\u001f${String((e.metadata as { seq: number }).seq).padStart(8, "0")}` === visible[1]!.key,
    );
    expect(middle, "the middle event is still in the stream").toBeGreaterThan(0);
    s.events.splice(middle, 1);
    run.window.end = Infinity;
    const { result } = await oracle(run, damaged);
    expect(result.figures.violations["torn-cut"]).toBe(0);
    expect(cutChecks(result)).toEqual([
      ["atomicity", false],
      ["prefix", false],
    ]);
  });

  it("reports $all disagreeing with a stream's order as reordered", async () => {
    const run = await drill(7);
    const [, s] = streamWith(run.restored, 3);
    const [a, b] = [run.restored.all.indexOf(s.events[0]!), run.restored.all.indexOf(s.events[2]!)];
    [run.restored.all[a], run.restored.all[b]] = [run.restored.all[b]!, run.restored.all[a]!];
    const { result, figures } = await oracle(run);
    expect(broken(result)).toContain("reordered");
    expect(figures.allOrderViolations.length).toBeGreaterThan(0);
  });

  it("reports a tombstoned stream that came back alive: its events stale, its tombstone lost", async () => {
    const run = await drill(7);
    const tombstoned = [...run.restored.streams.values()].find((s) => s.deleted === "tombstone" && s.events.length > 0);
    expect(tombstoned).toBeDefined();
    delete tombstoned!.deleted;
    const { result } = await oracle(run);
    expect(broken(result)).toEqual(expect.arrayContaining(["lost"]));
    expect(result.examples?.some((e) => /^(lost|stale) /.test(e))).toBe(true);
  });

  it("reports the events of a refused (WrongExpectedVersion) append as failed-present when a restore shows them", async () => {
    const run = await drill(7);
    run.window.start = run.window.end = Infinity;
    const refused = run.source.refused.find((r) => run.source.streams.get(r.stream)?.deleted === undefined);
    expect(refused, "a refused append to a stream still live").toBeDefined();
    const damaged = run.source.copy();
    damaged.unrefuse(refused!);
    const { result } = await oracle(run, damaged);
    expect(broken(result)).toEqual(["failed-present"]);
  });

  it("reports events appended after the backup ended as future", async () => {
    const run = await drill(7);
    const { result } = await oracle(run, run.source);
    expect(broken(result)).toContain("future");
  });
});

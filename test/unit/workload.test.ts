import { describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DrillClock } from "../../harness/clock.ts";
import { Ledger, UNKNOWN_DIGEST, type KeyWrite, type LedgerEntry } from "../../harness/ledger.ts";
import {
  WorkloadRunner,
  type Backoff,
  type OpSource,
  type WorkloadBounds,
  type WorkloadClient,
  type WorkloadOp,
} from "../../harness/workload.ts";
import { makeTempDir } from "./support.ts";

/** Each writer puts to its own keys: `k/<writer>/<n>`, payload n. */
class CountingSource implements OpSource<number> {
  private readonly n = new Map<number, number>();
  next(writer: number): WorkloadOp<number> {
    const n = this.n.get(writer) ?? 0;
    this.n.set(writer, n + 1);
    return { kind: "put", keys: [`k/${writer}/${n}`], payload: n };
  }
}

class DefiniteError extends Error {}

/** An in-memory client; `behave(n)` decides per op: ok, a definite failure, or an ambiguous error. */
function fakeClients(behave: (payload: number) => "ok" | "fail" | "info" = () => "ok", delayMs = 0) {
  const state = { opened: 0, closed: 0, store: new Map<string, string>() };
  const open = async (): Promise<WorkloadClient<number>> => {
    state.opened++;
    return {
      async apply(op): Promise<KeyWrite[]> {
        if (delayMs) await sleep(delayMs);
        const how = behave(op.payload);
        if (how === "fail") throw new DefiniteError(`refused ${op.keys[0]}`);
        if (how === "info") throw new Error(`timeout on ${op.keys[0]}`);
        for (const key of op.keys) state.store.set(key, `d${op.payload}`);
        return op.keys.map((key) => ({ key, digest: `d${op.payload}` }));
      },
      isDefiniteFailure: (err) => err instanceof DefiniteError,
      async close() {
        state.closed++;
      },
    };
  };
  return { open, state };
}

/** A runner of `source` (by default CountingSource) over the clients `open` opens (by default those of `clients`). */
async function setup(
  bounds: WorkloadBounds,
  clients = fakeClients(),
  opts: { backoff?: Backoff; source?: OpSource<number>; open?: typeof clients.open } = {},
) {
  const clock = new DrillClock();
  const ledger = new Ledger(join(await makeTempDir(), "ledger.jsonl"), clock);
  const source = opts.source ?? new CountingSource();
  const runner = new WorkloadRunner(source, opts.open ?? clients.open, ledger, clock, bounds, opts.backoff);
  const entries = async (): Promise<LedgerEntry[]> => {
    await ledger.close();
    return (await readFile(ledger.path, "utf8"))
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LedgerEntry);
  };
  return { runner, ledger, clients, entries };
}

/** Runs the workload until `ops` ops completed (or it ended on its own), then stops it: its figures. */
async function runUntil(runner: WorkloadRunner<number>, ops: number) {
  await runner.start();
  await runner.completedAtLeast(ops);
  return runner.stop();
}

/** Resolves to "timed out" when the promise does not settle in time, so a hang fails the test instead of stalling it. */
const within = <T>(p: Promise<T>, ms = 1_000) =>
  Promise.race([p.then(() => "settled" as const), sleep(ms).then(() => "timed out" as const)]);

describe("WorkloadRunner", () => {
  it("never invokes more than maxOps across all writers", async () => {
    const { runner, ledger, clients, entries } = await setup(
      { writers: 4, maxOps: 10, maxMs: 60_000 },
      fakeClients(() => "ok", 1),
    );
    const stats = await runUntil(runner, 10);
    expect(stats).toMatchObject({ invoked: 10, ok: 10, fail: 0, info: 0 });
    expect(ledger.counts).toEqual({ ok: 10, fail: 0, info: 0, keysWritten: 10 });
    expect(await entries()).toHaveLength(10);
    expect(clients.state).toMatchObject({ opened: 4, closed: 4 });
  });

  it("spreads the ops over the writers, each with its own process name", async () => {
    const { runner, entries } = await setup(
      { writers: 3, maxOps: 30, maxMs: 60_000 },
      fakeClients(() => "ok", 1),
    );
    await runUntil(runner, 30);
    expect(new Set((await entries()).map((e) => e.process))).toEqual(new Set(["writer-0", "writer-1", "writer-2"]));
  });

  it("stops invoking ops once maxMs has passed", async () => {
    const { runner, entries } = await setup(
      { writers: 2, maxOps: 1_000_000, maxMs: 60 },
      fakeClients(() => "ok", 2),
    );
    const stats = await runUntil(runner, Number.MAX_SAFE_INTEGER); // resolves when the workload ends on its own
    expect(stats.invoked).toBeGreaterThan(0);
    expect(stats.invoked).toBeLessThan(1_000_000);
    const all = await entries();
    expect(all).toHaveLength(stats.invoked);
    for (const e of all) expect(e.invokeAt - stats.startedAt).toBeLessThan(60);
  });

  it("completedAtLeast resolves once that many ops completed", async () => {
    const { runner, ledger } = await setup(
      { writers: 2, maxOps: 1_000, maxMs: 60_000 },
      fakeClients(() => "ok", 1),
    );
    await runner.start();
    await runner.completedAtLeast(5);
    expect(ledger.counts.ok).toBeGreaterThanOrEqual(5);
    const stats = await runner.stop();
    expect(stats.invoked).toBeLessThan(1_000);
  });

  it("completedAtLeast resolves at once before start, and when the workload ends short of the count", async () => {
    const { runner } = await setup({ writers: 1, maxOps: 3, maxMs: 60_000 });
    expect(await within(runner.completedAtLeast(10))).toBe("settled");
    await runner.start();
    expect(await within(runner.completedAtLeast(10))).toBe("settled");
    expect((await runner.stop()).invoked).toBe(3);
  });

  // A waiter queued after the end would never be released.
  it("completedAtLeast resolves when called after the workload has ended", async () => {
    const { runner } = await setup({ writers: 1, maxOps: 3, maxMs: 60_000 });
    await runner.start();
    await runner.stop();
    expect(await within(runner.completedAtLeast(10), 500)).toBe("settled");
  });

  it("records a definite failure as fail, any other error as info, both with wildcard digests", async () => {
    const behave = (n: number) => (["ok", "fail", "info"] as const)[n % 3]!;
    const { runner, ledger, entries } = await setup({ writers: 1, maxOps: 9, maxMs: 60_000 }, fakeClients(behave));
    await runner.start();
    await runner.completedAtLeast(9);
    expect(await runner.stop()).toMatchObject({ invoked: 9, ok: 3, fail: 3, info: 3 });
    expect(ledger.counts).toEqual({ ok: 3, fail: 3, info: 3, keysWritten: 9 });
    const all = await entries();
    expect(all.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(all[0]).toMatchObject({
      process: "writer-0",
      op: "put",
      outcome: "ok",
      writes: [{ key: "k/0/0", digest: "d0" }],
    });
    expect(all[0]!.error).toBeUndefined();
    expect(all[1]).toMatchObject({
      outcome: "fail",
      writes: [{ key: "k/0/1", digest: UNKNOWN_DIGEST }],
      error: "refused k/0/1",
    });
    expect(all[2]).toMatchObject({
      outcome: "info",
      writes: [{ key: "k/0/2", digest: UNKNOWN_DIGEST }],
      error: "timeout on k/0/2",
    });
    for (const e of all) expect(e.completeAt).toBeGreaterThanOrEqual(e.invokeAt);
  });
});

describe("WorkloadRunner: unknown outcomes and an unanswering node", () => {
  it("an info write keeps the digest of the value the client meant to send", async () => {
    const clients = fakeClients(() => "info");
    const open = async () => ({
      ...(await clients.open()),
      intended: async (op: WorkloadOp<number>) => op.keys.map((key) => ({ key, digest: `d${op.payload}` })),
    });
    const { runner, entries } = await setup({ writers: 1, maxOps: 2, maxMs: 60_000 }, clients, { open });
    await runUntil(runner, 2);
    expect((await entries()).map((e) => [e.outcome, e.writes[0]!.digest])).toEqual([
      ["info", "d0"],
      ["info", "d1"],
    ]);
  });

  it("a writer whose node stops answering backs off and gives up instead of spinning to the op cap", async () => {
    const backoff = { startMs: 5, maxMs: 40, giveUpAfter: 8 };
    const { runner, entries } = await setup(
      { writers: 2, maxOps: 1_000_000, maxMs: 60_000 },
      fakeClients(() => "info"),
      { backoff },
    );
    const started = Date.now();
    const stats = await runUntil(runner, Number.MAX_SAFE_INTEGER); // resolves when every writer has given up
    expect(stats.gaveUp).toBe(2);
    expect(stats.invoked).toBe(2 * backoff.giveUpAfter);
    expect(await entries()).toHaveLength(2 * backoff.giveUpAfter);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190); // it paused between attempts: 5 + 10 + 20 + 4 × 40 ms
  });

  it("stop() cuts a back-off pause short", async () => {
    const { runner } = await setup(
      { writers: 1, maxOps: 1_000_000, maxMs: 60_000 },
      fakeClients(() => "info"),
      { backoff: { startMs: 5_000, maxMs: 5_000, giveUpAfter: 20 } },
    );
    await runner.start();
    await runner.completedAtLeast(1); // now in a pause of 5 s
    const asked = Date.now();
    await runner.stop();
    expect(Date.now() - asked).toBeLessThan(500);
  });
});

describe("WorkloadRunner: what an op declares", () => {
  it("records an op the engine does not write in one commit as not atomic, and every other op without the flag", async () => {
    // Odd ops write two keys in two steps (say a SQL row, then a document elsewhere).
    const source: OpSource<number> = {
      next: (() => {
        let n = 0;
        return () => {
          const i = n++;
          return i % 2
            ? { kind: "split", keys: [`a/${i}`, `b/${i}`], payload: i, atomic: false }
            : { kind: "put", keys: [`a/${i}`, `b/${i}`], payload: i };
        };
      })(),
    };
    const { runner, entries } = await setup({ writers: 1, maxOps: 4, maxMs: 60_000 }, fakeClients(), { source });
    await runUntil(runner, 4);
    expect((await entries()).map((e) => [e.op, e.atomic])).toEqual([
      ["put", undefined],
      ["split", false],
      ["put", undefined],
      ["split", false],
    ]);
  });
});

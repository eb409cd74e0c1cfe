import { createHash } from "node:crypto";
import type { ShardOf } from "../harness/report/run-evidence.ts";
import { UsageError } from "./args.ts";

/** `--shard i/n`: the i-th of n slices, 1-based, as CI matrices count them. */
export function parseShard(value: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new UsageError(`--shard "${value}" is not index/count; use e.g. --shard 1/2 (the first of two shards)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 1000) throw new UsageError(`--shard "${value}": the count must be between 1 and 1000`);
  if (index < 1 || index > count) throw new UsageError(`--shard "${value}": the index must be between 1 and ${count} (shards count from 1)`);
  return { index, count };
}

/**
 * The drills of one shard: every n-th of the plan, starting at the i-th. The plan's order is fixed by the flags and
 * config, so every shard of one selection agrees on the slicing, and dealing round-robin spreads the drills of each
 * engine and scenario across the shards rather than giving one shard all of the slow ones. The `plan` digest names the
 * whole selection, so `merge-reports` can tell that every shard of it is there.
 */
export function sliceForShard<T>(plan: T[], shard: { index: number; count: number }): { drills: T[]; shard: ShardOf } {
  const digest = createHash("sha256").update(JSON.stringify(plan)).digest("hex").slice(0, 16);
  return {
    drills: plan.filter((_, i) => i % shard.count === shard.index - 1),
    shard: { ...shard, plan: digest, planned: plan.length },
  };
}

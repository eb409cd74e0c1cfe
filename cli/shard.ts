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
  if (index < 1 || index > count)
    throw new UsageError(`--shard "${value}": the index must be between 1 and ${count} (shards count from 1)`);
  return { index, count };
}

/**
 * The run nonce every shard of one run shares, and no other run: `--run-nonce`, else DR_DRILL_RUN_NONCE, else the CI
 * run (GitHub Actions: the repository, run id and attempt, the same in every job of one attempt; GitLab CI: the
 * pipeline). Shards run in separate jobs cannot agree on a random one, so a shard outside CI needs it given.
 */
export function runNonce(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const given = flag ?? env.DR_DRILL_RUN_NONCE;
  if (given !== undefined) {
    if (!/^\S{1,200}$/.test(given))
      throw new UsageError(
        `${flag !== undefined ? "--run-nonce" : "DR_DRILL_RUN_NONCE"} "${given}": a run nonce is 1 to 200 characters without spaces, e.g. the CI run's id`,
      );
    return given;
  }
  if (env.GITHUB_ACTIONS === "true" && env.GITHUB_RUN_ID)
    return `github:${env.GITHUB_REPOSITORY ?? ""}/actions/runs/${env.GITHUB_RUN_ID}/attempts/${env.GITHUB_RUN_ATTEMPT ?? "1"}`;
  if (env.GITLAB_CI === "true" && env.CI_PIPELINE_ID)
    return `gitlab:${env.CI_PROJECT_PATH ?? ""}/pipelines/${env.CI_PIPELINE_ID}`;
  throw new UsageError(
    "--shard needs a run nonce that every shard of this run shares and no other run does: give --run-nonce <id> (or DR_DRILL_RUN_NONCE) to every shard; on GitHub Actions and GitLab CI the run's own id is used",
  );
}

/**
 * The drills of one shard: every n-th of the plan, starting at the i-th. The plan's order is fixed by the flags and
 * config, so every shard of one selection agrees on the slicing, and dealing round-robin spreads the drills of each
 * engine and scenario across the shards rather than giving one shard all of the slow ones. The `plan` digest names the
 * whole selection and the `run` nonce the run, so `merge-reports` can tell that every shard of it is there, and that
 * no shard of another run is.
 */
export function sliceForShard<T>(
  plan: T[],
  shard: { index: number; count: number },
  run: string,
): { drills: T[]; shard: ShardOf } {
  const digest = createHash("sha256").update(JSON.stringify(plan)).digest("hex").slice(0, 16);
  return {
    drills: plan.filter((_, i) => i % shard.count === shard.index - 1),
    shard: { ...shard, plan: digest, planned: plan.length, run },
  };
}

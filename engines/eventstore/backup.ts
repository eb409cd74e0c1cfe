import type { StartedEventStore } from "./container.ts";

/** Where the copy runs: the node's container (its shell, as its user) and its data directory. */
export type CopySource = Pick<StartedEventStore, "sh"> & { version: { dataDir: string } };

/**
 * The guide's copy order (docs/engines/eventstore.md, "The vendor's backup guide"; the docs since 2021 spell out the
 * index first): the index checkpoints, the rest of the index, the database checkpoints (`*.chk`), then the chunks.
 * Checkpoints copied before the data they describe can only point at data the copy holds; data copied first could be
 * described by checkpoints that point past it.
 */
export type CopyStep = "index-checkpoints" | "index" | "checkpoints" | "chunks";
export const DOCUMENTED_ORDER: readonly CopyStep[] = ["index-checkpoints", "index", "checkpoints", "chunks"];
/** The wrong order, for the scenario that proves it is caught: chunks first, a pause under load, then the rest. */
export const CHUNKS_FIRST: readonly CopyStep[] = ["chunks", "index-checkpoints", "index", "checkpoints"];

export interface CopyPlan {
  order: readonly CopyStep[];
  /** Only chunk files not in this list (a differential backup copies the new chunk versions only). */
  skipChunks?: ReadonlySet<string>;
  /** Seconds to wait after the first step (lets writes land between two steps, as a slow copy would). */
  pauseAfterFirstStep?: number;
  /** Runs between two steps (e.g. starts a scavenge during the copy). */
  beforeStep?: (step: CopyStep) => Promise<void>;
}

/** Files that vanish during the copy (index files merged away, chunks replaced by a scavenge) are listed, not fatal. */
function stepScript(step: CopyStep, src: string, dst: string): string {
  const copy = (find: string) =>
    `cd '${src}' && ${find} | while IFS= read -r f; do mkdir -p "${dst}/$(dirname "$f")"; cp -p "$f" "${dst}/$f" 2>/dev/null || echo "vanished: $f"; done`;
  switch (step) {
    case "index-checkpoints":
      return copy(`find index -type f -name '*.chk'`);
    case "index":
      return copy(`find index -type f ! -name '*.chk'`);
    case "checkpoints":
      return copy(`find . -maxdepth 1 -type f -name '*.chk'`);
    case "chunks":
      return copy(`find . -maxdepth 1 -type f -name 'chunk-*'`);
  }
}

export interface CopyReport {
  steps: { step: CopyStep; at: number; vanished: string[] }[];
  chunks: string[];
}

/**
 * Copies the node's data directory into `dst` inside the container, step by step in the plan's order, as the image's
 * own user, then lists what came. `now` stamps each step on the drill clock.
 */
export async function copyInOrder(
  node: CopySource,
  dst: string,
  plan: CopyPlan,
  now: () => number,
): Promise<CopyReport> {
  const src = node.version.dataDir;
  await node.sh(`rm -rf '${dst}' && mkdir -p '${dst}'`);
  const steps: CopyReport["steps"] = [];
  for (const [i, step] of plan.order.entries()) {
    await plan.beforeStep?.(step);
    const at = now();
    let script = stepScript(step, src, dst);
    if (step === "chunks" && plan.skipChunks?.size)
      script = script.replace(
        `find . -maxdepth 1 -type f -name 'chunk-*'`,
        `find . -maxdepth 1 -type f -name 'chunk-*' | grep -vxF '${[...plan.skipChunks].map((c) => `./${c}`).join("\n")}'`,
      );
    const out = await node.sh(script);
    steps.push({
      step,
      at,
      vanished: out
        .split("\n")
        .filter((l) => l.startsWith("vanished: "))
        .map((l) => l.slice(10)),
    });
    if (i === 0 && plan.pauseAfterFirstStep) await new Promise((r) => setTimeout(r, plan.pauseAfterFirstStep! * 1000));
  }
  const chunks = (await node.sh(`cd '${dst}' && ls -1 | grep '^chunk-' || true`)).split("\n").filter(Boolean);
  return { steps, chunks };
}

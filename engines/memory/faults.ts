import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DrillFault } from "../../harness/faults.ts";
import type { Expectation } from "../../harness/expectation.ts";
import { digestOf, type MemoryArtifact, type MemoryNode } from "./engine.ts";

type Entries = [string, { digest: string; preview: string }][];

async function rewrite(artifact: MemoryArtifact, change: (entries: Entries) => Entries): Promise<number> {
  const path = join(artifact.dir, "store.json");
  const before = JSON.parse(await readFile(path, "utf8")) as Entries;
  const after = change(before);
  await writeFile(path, JSON.stringify(after));
  return before.length - after.length;
}

/** Drops the first `count` keys of the snapshot: an incomplete backup. */
export function dropKeys(
  count: number,
  expect: Expectation = { outcome: "detects", by: [{ check: "ledger-oracle", reason: "lost" }] },
): DrillFault<MemoryNode, MemoryArtifact> {
  return {
    name: "drop-keys",
    description: `drop ${count} keys from the snapshot`,
    expect,
    async apply(artifact) {
      const dropped = await rewrite(artifact, (e) => e.slice(count));
      return { fault: "drop-keys", target: "store.json", detail: { dropped } };
    },
  };
}

/** Changes one stored value to `value`: silent corruption. */
export function corruptValue(
  expect: Expectation = { outcome: "detects", by: [{ check: "ledger-oracle", reason: "corrupt" }] },
  value = "garbage",
): DrillFault<MemoryNode, MemoryArtifact> {
  return {
    name: "corrupt-value",
    description: "change the value of one key in the snapshot",
    expect,
    async apply(artifact) {
      await rewrite(artifact, ([first, ...rest]) =>
        first ? [[first[0], { digest: digestOf(value), preview: value }], ...rest] : rest,
      );
      return { fault: "corrupt-value", target: "store.json", detail: {} };
    },
  };
}

/** Records an option the scenario set on the engine and leaves the artifact alone. */
export function engineOption(name: string, expect: Expectation): DrillFault<MemoryNode, MemoryArtifact> {
  return {
    name,
    description: `engine option: ${name}`,
    expect,
    apply: async () => ({ fault: "engine-option", target: name, detail: {} }),
  };
}

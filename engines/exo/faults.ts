import { cp } from "node:fs/promises";
import { join } from "node:path";
import { dropDirectory, truncateFile, type DrillFault } from "../../harness/faults.ts";
import { detectedBy } from "../../harness/expectation.ts";
import type { ExoNode } from "./tier.ts";
import { PART_PATHS, type ExoArtifact } from "./engine.ts";

type ExoFault = DrillFault<ExoNode, ExoArtifact>;

/** The platform kept writing while the parts were copied one after another (the engine option does it; this records it). */
export function platformNotStopped(pauseMs: number): ExoFault {
  return {
    name: "platform-not-stopped",
    description: `the platform kept writing during the backup, ${pauseMs} ms between parts`,
    expect: detectedBy({ "cross-part:references": "dangling" }),
    apply: async () => ({ fault: "platform-not-stopped", target: ".", detail: { pauseMs } }),
  };
}

export function codecLeftOut(): ExoFault {
  return {
    name: "codec-left-out",
    description: "the backup left out gatein/conf/codec",
    expect: detectedBy({ "preflight:parts": "codec", "cross-part:codec": "codeckey.txt" }),
    apply: (a) => dropDirectory(a.dir, PART_PATHS.codec),
  };
}

/** swap and jta are optional (docs/engines/exo.md, "The vendor's backup guide"): leaving them out must restore all. */
export function swapAndJtaLeftOut(): ExoFault {
  return {
    name: "swap-jta-left-out",
    description: "the backup left out gatein/data/jcr/swap and gatein/data/jta",
    expect: {
      outcome: "restores",
      holds: ["ledger-oracle", "cross-part:jcr-values", "cross-part:references", "cross-part:codec"],
    },
    apply: async (a) => {
      const swap = await dropDirectory(a.dir, `${PART_PATHS.data}/jcr/swap`);
      const jta = await dropDirectory(a.dir, `${PART_PATHS.data}/jta`);
      return {
        fault: "drop-directories",
        target: `${swap.target}, ${jta.target}`,
        detail: { swapFiles: swap.detail.files, jtaFiles: jta.detail.files },
      };
    },
  };
}

/** One datasource's dump comes from an older backup than the others (taken before the writers ran). */
export function olderDatasource(ds: "idm" | "jcr" | "jpa"): ExoFault {
  let older: string | undefined;
  return {
    name: `older-${ds}`,
    description: `the ${ds.toUpperCase()} dump is taken from an older backup`,
    expect: detectedBy({ "cross-part:references": "dangling", "ledger-oracle": "lost" }),
    beforeBackup: async ({ takeBackup, runtime }) => {
      older = join(runtime.workDir, "older-backup");
      await takeBackup(older);
      runtime.log(`  older backup taken in ${older}`);
    },
    apply: async (a) => {
      if (!older) throw new Error("the older backup was not taken");
      await cp(join(older, PART_PATHS[ds]), join(a.dir, PART_PATHS[ds]));
      return { fault: "substitute-older-part", target: PART_PATHS[ds], detail: { from: older } };
    },
  };
}

export function truncatedChatArchive(keepFraction: number): ExoFault {
  return {
    name: "truncated-mongodump",
    description: `the mongodump archive cut to ${keepFraction * 100}% of its size`,
    expect: detectedBy({ restore: "mongorestore exited [1-9]" }),
    apply: (a) => truncateFile(a.dir, PART_PATHS.chat, keepFraction),
  };
}

import type { BackupArtifact } from "../../harness/engine.ts";

/** A QuestDB backup on the host: the server root as copied, and how it was taken. */
export interface QuestDbArtifact extends BackupArtifact {
  sourceVersion: string;
  /** What the source server said about itself (`build()`). */
  sourceBuild: string;
  /** `checkpoint` (CHECKPOINT CREATE/RELEASE, 8.1.1+) or `snapshot` (SNAPSHOT PREPARE/COMPLETE, older). */
  checkpointSql: "checkpoint" | "snapshot";
  /** Files created after CREATE and removed again while the copy ran (tolerated, see `copyRoot` in copy-tools.ts). */
  vanishedDuringCopy: number;
  /** QuestDB's documented procedure, or a copy of the tables one by one without a checkpoint (`torn-copy.ts`). */
  procedure: "checkpoint" | "tables-one-by-one";
}

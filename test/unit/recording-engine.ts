import type { DrillRuntime, RestoreResult } from "../../harness/engine.ts";
import { DRILL_LABEL } from "../../harness/runtime/resources.ts";
import {
  MemoryEngine,
  type MemoryArtifact,
  type MemoryEngineOptions,
  type MemoryNode,
} from "../../engines/memory/index.ts";

/** The in-process engine, recording what it did: backups taken, nodes started, the drill labels it was lent. */
export class Recording extends MemoryEngine {
  backups = 0;
  readonly nodes: MemoryNode[] = [];
  readonly labels: string[] = [];

  constructor(
    version: string,
    options: MemoryEngineOptions = {},
    private readonly duringRestore: (artifact: MemoryArtifact) => Promise<void> = async () => undefined,
  ) {
    super(version, options);
  }

  // The runtime is optional here only because the base class does not read it; the drill always lends it.
  override async provision(rt?: DrillRuntime): Promise<MemoryNode> {
    this.labels.push(rt?.labels[DRILL_LABEL] ?? "none");
    const node = await super.provision();
    this.nodes.push(node);
    return node;
  }

  override async backup(node: MemoryNode, dir: string, rt: DrillRuntime): Promise<MemoryArtifact> {
    this.backups++;
    return super.backup(node, dir, rt);
  }

  override async restore(artifact: MemoryArtifact, rt?: DrillRuntime): Promise<RestoreResult<MemoryNode>> {
    this.labels.push(rt?.labels[DRILL_LABEL] ?? "none");
    await this.duringRestore(artifact);
    const restored = await super.restore(artifact);
    if (restored.node) this.nodes.push(restored.node);
    return restored;
  }
}

import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { removeVolume } from "../../harness/runtime/resources.ts";
import { BoltGraphNode, type BoltEndpoint } from "../../protocols/bolt/graph-node.ts";
import { MEMGRAPH_DIALECT } from "../../protocols/bolt/cypher.ts";
import type { StartedMemgraph } from "./container.ts";

/** A Memgraph server on its own data volume: the source of a drill or a restored node. */
export class MemgraphNode extends BoltGraphNode {
  constructor(
    readonly mg: StartedMemgraph,
    private readonly volume: string,
  ) {
    super(MEMGRAPH_DIALECT);
  }

  get images(): ResolvedImage[] {
    return [this.mg.image];
  }

  protected async endpoint(): Promise<BoltEndpoint> {
    return this.mg.endpoint;
  }

  /** Runs one auto-commit query (Memgraph's lock, snapshot and dump queries refuse explicit transactions). */
  async query(cypher: string): Promise<Record<string, unknown>[]> {
    return this.withSession(async (s) => (await s.run(cypher)).records.map((r) => r.toObject()));
  }

  async destroy(): Promise<void> {
    await this.closeDriver();
    await this.mg.kill();
    await removeVolume(this.volume);
  }
}

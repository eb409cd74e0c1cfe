import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { removeVolume } from "../../harness/runtime/resources.ts";
import { BoltGraphNode, type BoltEndpoint } from "../../protocols/bolt/graph-node.ts";
import { MEMGRAPH_DIALECT } from "../../protocols/bolt/cypher.ts";
import { errorLines } from "../../harness/server-log.ts";
import type { StartedMemgraph } from "./container.ts";

/** Memgraph's critical lines, and its error lines about recovery and durability (spdlog: `[…] [critical] …`). */
export const MEMGRAPH_SERVER_ERRORS = /\[critical\]|\[error\].*(recover|snapshot|WAL|durability|corrupt)/i;

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

  async serverErrors(): Promise<string[]> {
    return errorLines(await this.mg.log(), MEMGRAPH_SERVER_ERRORS);
  }

  protected async endpoint(): Promise<BoltEndpoint> {
    return this.mg.endpoint;
  }

  /** Runs one auto-commit query (Memgraph's lock, snapshot and dump queries refuse explicit transactions). */
  async query(cypher: string): Promise<Record<string, unknown>[]> {
    return this.withSession(async (s) => (await s.run(cypher)).records.map((r) => r.toObject()));
  }

  /** Stops the server cleanly and removes its container, keeping its volume; its exit code. */
  async stopServer(): Promise<number> {
    await this.closeDriver();
    const exitCode = await this.mg.shutdown();
    await this.mg.stop();
    return exitCode;
  }

  async destroy(): Promise<void> {
    await this.closeDriver();
    await this.mg.stop();
    await removeVolume(this.volume);
  }
}

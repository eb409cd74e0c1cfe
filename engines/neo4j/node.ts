import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { removeVolume } from "../../harness/runtime/resources.ts";
import { BoltGraphNode, type BoltEndpoint } from "../../protocols/bolt/graph-node.ts";
import { NEO4J_DIALECT } from "../../protocols/bolt/cypher.ts";
import { readCypher } from "../../protocols/bolt/user-query.ts";
import { errorLines } from "../../harness/server-log.ts";
import type { StartedNeo4j } from "./container.ts";
import { uidIndexCheck } from "./uid-index.ts";

/** Neo4j's own ERROR lines (its neo4j.log goes to stdout: `<date> <time>+0000 ERROR …`). */
export const NEO4J_SERVER_ERRORS = /^\S+ \S+ ERROR /;

/**
 * A Neo4j server on its own /data volume: the source of a drill or a restored node. The backup stops the server and
 * keeps the volume; anything that needs the server again (an older backup taken first, then the workload) starts a
 * new container on the same volume.
 */
export class Neo4jNode extends BoltGraphNode {
  constructor(
    private server: StartedNeo4j | undefined,
    readonly volume: string,
    readonly image: ResolvedImage,
    private readonly startOn: (volume: string) => Promise<StartedNeo4j>,
  ) {
    super(NEO4J_DIALECT);
  }

  get images(): ResolvedImage[] {
    return [this.image];
  }

  /** The errors the running server logged. */
  async serverErrors(): Promise<string[]> {
    return this.server ? errorLines(await this.server.log(), NEO4J_SERVER_ERRORS) : [];
  }

  /** Every node and relationship a scan serves, sought again through its uid index (uid-index.ts). */
  uidIndexCheck(): Promise<CheckResult> {
    return this.withSession((s) => uidIndexCheck(s), 10_000);
  }

  /** A user's Cypher for `verify --checks`, in a read transaction (protocols/bolt/user-query.ts). */
  userQuery(text: string): Promise<string[][]> {
    return this.withSession((s) => readCypher(s, text));
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** A restart in progress: concurrent callers (the workload's writers connect at once) share it. */
  private starting: Promise<StartedNeo4j> | undefined;

  protected async endpoint(): Promise<BoltEndpoint> {
    if (!this.server) {
      this.starting ??= this.startOn(this.volume).finally(() => (this.starting = undefined));
      this.server = await this.starting;
    }
    return this.server.endpoint;
  }

  /** Shuts the server down cleanly, as a dump and a cold copy need; the volume stays. */
  async stop(): Promise<void> {
    await this.closeDriver();
    const server = this.server;
    this.server = undefined;
    await server?.shutdown();
  }

  async destroy(): Promise<void> {
    await this.closeDriver();
    await this.server?.stop();
    this.server = undefined;
    await removeVolume(this.volume);
  }
}

import { GenericContainer, Wait } from "testcontainers";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { waitForBolt, type BoltEndpoint } from "../../protocols/bolt/graph-node.ts";
import { publishedHost } from "../../harness/runtime/docker.ts";
import { startContainer } from "../../harness/runtime/start-container.ts";
import { StartedEngineContainer } from "../../harness/runtime/started-engine.ts";

/**
 * The official image's layout (memgraph/memgraph, release/docker/*.dockerfile): user memgraph (uid 101), data
 * directory /var/lib/memgraph with `snapshots/` and `wal/`, Bolt on 7687, the binary as ENTRYPOINT so flags are the
 * container's arguments.
 */
export const MG_DATA = "/var/lib/memgraph";
export const MG_BOLT_PORT = 7687;
export const MG_UID = 101;

/**
 * Flags every drill node runs with: recover from the data directory on startup (the default only from 2.19, said
 * explicitly), no telemetry (no network), and the storage mode a scenario asks for (IN_MEMORY_TRANSACTIONAL default).
 */
function flags(storageMode: string): string[] {
  return [
    `--data-directory=${MG_DATA}`,
    "--data-recovery-on-startup=true",
    "--telemetry-enabled=false",
    "--also-log-to-stderr=true",
    "--log-level=WARNING",
    `--storage-mode=${storageMode}`,
  ];
}

/**
 * Builder for a Memgraph container, after testcontainers' module shape: a GenericContainer with the data volume's and
 * the storage mode's setters, `start()` returning a handle once Bolt answers.
 */
export class MemgraphContainer extends GenericContainer {
  private storageMode = "IN_MEMORY_TRANSACTIONAL";

  constructor(private readonly image: ResolvedImage) {
    super(image.ref);
    this.withExposedPorts(MG_BOLT_PORT).withWaitStrategy(Wait.forListeningPorts()).withStartupTimeout(120_000);
  }

  withVolume(name: string): this {
    return this.withBindMounts([{ source: name, target: MG_DATA }]);
  }

  withStorageMode(mode: string): this {
    this.storageMode = mode;
    return this;
  }

  override async start(): Promise<StartedMemgraph> {
    this.withCommand(flags(this.storageMode));
    const started = new StartedMemgraph(await startContainer(this, () => super.start()), this.image);
    await waitForBolt(started.endpoint, 60_000);
    return started;
  }
}

/** A started Memgraph; its log includes stderr, where `--also-log-to-stderr` sends the server's own lines. */
export class StartedMemgraph extends StartedEngineContainer {
  /** Memgraph without users accepts any credentials (neo4j-driver still sends basic auth). */
  get endpoint(): BoltEndpoint {
    return { url: `bolt://${publishedHost(this)}:${this.getMappedPort(MG_BOLT_PORT)}`, user: "", password: "" };
  }

  async execOrThrow(args: string[], user?: string): Promise<string> {
    const { exitCode, output } = await this.exec(args, user ? { user } : {});
    if (exitCode !== 0) throw new Error(`${args.join(" ")} exited ${exitCode}: ${output.trim().slice(-2000)}`);
    return output;
  }
}

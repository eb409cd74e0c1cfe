import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { copyDirectoryOut } from "../../harness/runtime/archive.ts";
import { waitForBolt, type BoltEndpoint } from "../../protocols/bolt/graph-node.ts";
import { publishedHost } from "../../harness/runtime/docker.ts";
import { startContainer } from "../../harness/runtime/start-container.ts";
import { containerLog } from "../../harness/runtime/container-log.ts";

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
  return [`--data-directory=${MG_DATA}`, "--data-recovery-on-startup=true", "--telemetry-enabled=false", "--also-log-to-stderr=true", "--log-level=WARNING", `--storage-mode=${storageMode}`];
}

export class MemgraphContainer {
  private labels: Record<string, string> = {};
  private volume: string | undefined;
  private storageMode = "IN_MEMORY_TRANSACTIONAL";

  constructor(private readonly image: ResolvedImage) {}

  withLabels(labels: Record<string, string>): this {
    this.labels = labels;
    return this;
  }

  withVolume(name: string): this {
    this.volume = name;
    return this;
  }

  withStorageMode(mode: string): this {
    this.storageMode = mode;
    return this;
  }

  async start(): Promise<StartedMemgraph> {
    let container = new GenericContainer(this.image.ref)
      .withCommand(flags(this.storageMode))
      .withLabels(this.labels)
      .withExposedPorts(MG_BOLT_PORT)
      .withWaitStrategy(Wait.forListeningPorts())
      .withStartupTimeout(120_000);
    if (this.volume) container = container.withBindMounts([{ source: this.volume, target: MG_DATA }]);
    const started = new StartedMemgraph(await startContainer(container), this.image);
    await waitForBolt(started.endpoint, 60_000);
    return started;
  }
}

export class StartedMemgraph {
  constructor(
    readonly container: StartedTestContainer,
    readonly image: ResolvedImage,
  ) {}

  /** The server's log since the container started (it logs to stderr too: `--also-log-to-stderr`). */
  log(): Promise<string> {
    return containerLog(this.container);
  }

  /** Memgraph without users accepts any credentials (neo4j-driver still sends basic auth). */
  get endpoint(): BoltEndpoint {
    return { url: `bolt://${publishedHost(this.container)}:${this.container.getMappedPort(MG_BOLT_PORT)}`, user: "", password: "" };
  }

  async execOrThrow(args: string[], user?: string): Promise<string> {
    const { exitCode, output } = await this.container.exec(args, user ? { user } : {});
    if (exitCode !== 0) throw new Error(`${args.join(" ")} exited ${exitCode}: ${output.trim().slice(-2000)}`);
    return output;
  }

  copyDirectoryOut(containerDir: string, hostDir: string): Promise<void> {
    return copyDirectoryOut(this.container, containerDir, hostDir);
  }

  async kill(): Promise<void> {
    await this.container.stop({ remove: true, removeVolumes: true, timeout: 0 });
  }
}

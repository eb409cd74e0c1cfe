import { Wait } from "testcontainers";
import { docker } from "../../harness/runtime/docker.ts";
import { waitForExit } from "../../harness/runtime/wait-for-probe.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { waitForBolt, type BoltEndpoint } from "../../protocols/bolt/graph-node.ts";
import { publishedHost } from "../../harness/runtime/docker.ts";
import { EngineContainer } from "../../harness/runtime/engine-container.ts";
import { StartedEngineContainer } from "../../harness/runtime/started-engine.ts";

/**
 * The official image's layout (memgraph/memgraph, release/docker/*.dockerfile at v2.19.0, v2.22.1, v3.0.0, v3.7.2):
 * `USER memgraph`, data directory /var/lib/memgraph with `snapshots/` and `wal/`, Bolt on 7687, the binary as
 * ENTRYPOINT so flags are the container's arguments.
 */
export const MG_DATA = "/var/lib/memgraph";
export const MG_BOLT_PORT = 7687;

/**
 * Who owns restored files: the image's `memgraph` user and group, BY NAME, resolved inside the target image. Its ids
 * are not the same in every image: up to v3.2 the Debian package's postinst makes the user
 * (release/debian/postinst: `adduser --system --group … memgraph`, the next free system ids of the base image);
 * from v3.3.0 the image pins uid 101 and gid 103 (release/docker/v6_deb.dockerfile, `groupadd -g 103 memgraph &&
 * useradd -u 101`, PR #2947, commit 794f4a113c); memgraph/helm-charts issue #275 reports uid 100, gid 101 in the 3.1.0
 * image. Memgraph aborts unless its process uid owns the data directory
 * (src/storage/v2/durability/durability.cpp, `VerifyStorageDirectoryOwnerAndProcessUserOrDie`, every tag above).
 */
export const MG_OWNER = { owner: "memgraph:memgraph" };

/**
 * Periodic snapshots every 7 days, the flag's maximum (`FLAG_IN_RANGE(0, 7 * 24 * 3600)`): the drill takes its own
 * with CREATE SNAPSHOT. 0 (off) is refused while the WAL is on ("In order to use write-ahead-logging you must enable
 * periodic snapshots", src/memgraph.cpp), and the image's /etc/memgraph/memgraph.conf sets 300 s
 * (config/flags.yaml). It is `--storage-snapshot-interval-sec`, the name the conf file uses: at v2.22.1 and v3.0.0
 * giving it AND `--storage-snapshot-interval` is fatal (src/flags/run_time_configurable.cpp).
 */
export const MG_SNAPSHOT_INTERVAL_SEC = 7 * 24 * 3600;

/**
 * Flags every drill node runs with (command-line flags override the image's /etc/memgraph/memgraph.conf, loaded first
 * by `LoadConfig`, src/helpers.hpp):
 * - recover from the data directory on startup (true in the binary from 2.19, src/flags/general.cpp, and in the conf
 *   file; said all the same);
 * - no telemetry (no network), warnings and above on stderr;
 * - the storage mode a scenario asks for (IN_MEMORY_TRANSACTIONAL by default);
 * - `--storage-snapshot-interval-sec` (see MG_SNAPSHOT_INTERVAL_SEC);
 * - `--storage-wal-file-flush-every-n-tx=1`: fsync the WAL at every commit ("Set to 1 for fully synchronous
 *   operation", src/flags/general.cpp, every tag above; 100,000 by default, src/storage/v2/config.hpp), so every
 *   acknowledged write is on disk when the backup's files are read and the point-in-time promise is exact;
 * - `--storage-snapshot-on-exit`, true in the conf file (config/flags.yaml), unless a restore says otherwise.
 */
export function memgraphFlags(storageMode: string, snapshotOnExit = true): string[] {
  return [
    `--data-directory=${MG_DATA}`,
    "--data-recovery-on-startup=true",
    "--telemetry-enabled=false",
    "--also-log-to-stderr=true",
    "--log-level=WARNING",
    `--storage-mode=${storageMode}`,
    `--storage-snapshot-interval-sec=${MG_SNAPSHOT_INTERVAL_SEC}`,
    "--storage-wal-file-flush-every-n-tx=1",
    `--storage-snapshot-on-exit=${snapshotOnExit}`,
  ];
}

/**
 * Builder for a Memgraph container, after testcontainers' module shape: a GenericContainer with the data volume's and
 * the storage mode's setters, `start()` returning a handle once Bolt answers.
 */
export class MemgraphContainer extends EngineContainer {
  private storageMode = "IN_MEMORY_TRANSACTIONAL";
  private snapshotOnExit = true;

  constructor(image: ResolvedImage) {
    super(image, MG_DATA);
    this.withExposedPorts(MG_BOLT_PORT).withWaitStrategy(Wait.forListeningPorts()).withStartupTimeout(120_000);
  }

  withStorageMode(mode: string): this {
    this.storageMode = mode;
    return this;
  }

  withSnapshotOnExit(on: boolean): this {
    this.snapshotOnExit = on;
    return this;
  }

  override async start(): Promise<StartedMemgraph> {
    this.withCommand(memgraphFlags(this.storageMode, this.snapshotOnExit));
    const started = new StartedMemgraph(await this.startEngine(), this.image);
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

  /**
   * A clean stop, as a service restart does it: SIGTERM (`docker stop`), Memgraph's graceful shutdown (the snapshot on
   * exit, when on), then Docker's kill after `timeoutSec`. The container's exit code is returned.
   */
  async shutdown(timeoutSec = 120): Promise<number> {
    const container = docker().getContainer(this.getId());
    await container.stop({ t: timeoutSec });
    return waitForExit(container, 10_000);
  }

  async execOrThrow(args: string[], user?: string): Promise<string> {
    const { exitCode, output } = await this.exec(args, user ? { user } : {});
    if (exitCode !== 0) throw new Error(`${args.join(" ")} exited ${exitCode}: ${output.trim().slice(-2000)}`);
    return output;
  }
}

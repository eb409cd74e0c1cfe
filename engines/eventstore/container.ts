import { GenericContainer, type StartedTestContainer } from "testcontainers";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { ProbeWaitStrategy, exitOrRethrow, logTail, waitForExit } from "../../harness/runtime/wait-for-probe.ts";
import { docker, publishedHost } from "../../harness/runtime/docker.ts";
import { copyDirectoryOut } from "../../harness/runtime/archive.ts";
import type { EventStoreApi } from "../../protocols/event-store/api.ts";
import { esdbApi } from "../../protocols/event-store/esdb.ts";
import { kurrentApi } from "../../protocols/event-store/kurrent.ts";
import type { EventStoreVersion } from "./versions.ts";

export const HTTP_PORT = 2113;

/**
 * Chunks of 1 MiB instead of 256 MiB (`ChunkSize`, ClusterVNodeOptions.cs): a drill's few thousand events then span
 * several chunks, so a missing chunk, a scavenge and a differential backup mean something.
 */
export const DRILL_CHUNK_SIZE = 1024 * 1024;

/** The image's own health check (Dockerfile HEALTHCHECK), with the curl the official images ship. */
const READY_PROBE = ["sh", "-c", `curl --fail --silent http://localhost:${HTTP_PORT}/health/live`];

/**
 * Builder for one insecure single node, after testcontainers' module shape. Options go through the product's
 * environment prefix (`EVENTSTORE_CLUSTER_SIZE=1` or `KURRENTDB_CLUSTER_SIZE=1`), as with the official images.
 */
export class EventStoreContainer {
  private labels: Record<string, string> = {};
  private volume: string | undefined;
  private options: Record<string, string> = {};
  private startupTimeoutMs = 180_000;

  constructor(
    private readonly image: ResolvedImage,
    private readonly version: EventStoreVersion,
  ) {}

  withLabels(labels: Record<string, string>): this {
    this.labels = labels;
    return this;
  }

  withVolume(name: string): this {
    this.volume = name;
    return this;
  }

  /** A server option by its environment name without the prefix, e.g. `MAX_TRUNCATION`. */
  withOption(name: string, value: string): this {
    this.options[name] = value;
    return this;
  }

  private container(): GenericContainer {
    const env: Record<string, string> = { CLUSTER_SIZE: "1", INSECURE: "true", RUN_PROJECTIONS: "None", CHUNK_SIZE: String(DRILL_CHUNK_SIZE), ...this.options };
    let c = new GenericContainer(this.image.ref)
      .withEnvironment(Object.fromEntries(Object.entries(env).map(([k, v]) => [`${this.version.envPrefix}${k}`, v])))
      .withLabels(this.labels)
      .withStartupTimeout(this.startupTimeoutMs)
      .withExposedPorts(HTTP_PORT);
    if (this.volume) c = c.withBindMounts([{ source: this.volume, target: this.version.dataDir }]);
    return c;
  }

  async start(): Promise<StartedEventStore> {
    const started = await this.container().withWaitStrategy(new ProbeWaitStrategy(READY_PROBE)).start();
    return new StartedEventStore(started, this.image, this.version);
  }

  /**
   * Runs the node until it exits on its own (24.x+: after truncating), bounded; returns its exit code and log. A node
   * still up at the deadline has not answered: that is thrown (the drill cannot decide), never reported as an exit.
   */
  async runToExit(timeoutMs: number): Promise<{ exitCode: number; log: string }> {
    // A node that truncates quickly may exit before the first probe: its exit is the answer, not an error.
    const start = await this.container()
      .withWaitStrategy(new ProbeWaitStrategy(["true"]))
      .start()
      .then((started) => ({ started }), (err: unknown) => ({ exited: exitOrRethrow(err) }));
    if ("exited" in start) return { exitCode: start.exited.exitCode, log: start.exited.logTail };
    const { started } = start;
    const handle = docker().getContainer(started.getId());
    try {
      return { exitCode: await ownExit(handle, timeoutMs, this.version.product), log: await logTail(handle, 400) };
    } finally {
      await started.stop({ remove: true, timeout: 0 }).catch(() => undefined);
    }
  }
}

/** The exit code of a node run to its own exit; a node still running at the deadline, or a failed look, is thrown. */
export async function ownExit(handle: Parameters<typeof waitForExit>[0], timeoutMs: number, product: string): Promise<number> {
  return waitForExit(handle, timeoutMs).catch((err: Error) => {
    throw new Error(`the run of ${product} that was to truncate and exit did not end in an exit: ${err.message}`, { cause: err });
  });
}

export class StartedEventStore {
  constructor(
    readonly container: StartedTestContainer,
    readonly image: ResolvedImage,
    readonly version: EventStoreVersion,
  ) {}

  /** The client of the node's product, on the mapped port. */
  api(): EventStoreApi {
    const port = this.container.getMappedPort(HTTP_PORT);
    return this.version.client === "esdb" ? esdbApi(publishedHost(this.container), port) : kurrentApi(publishedHost(this.container), port);
  }

  /** `POST /admin/scavenge` (the operations API; no credentials on an insecure node). Returns the scavenge id. */
  async startScavenge(): Promise<string> {
    const res = await fetch(`http://${publishedHost(this.container)}:${this.container.getMappedPort(HTTP_PORT)}/admin/scavenge`, { method: "POST", signal: AbortSignal.timeout(30_000) });
    const body = await res.text();
    if (!res.ok) throw new Error(`starting a scavenge answered ${res.status}: ${body.slice(0, 300)}`);
    const id = /"scavengeId"\s*:\s*"([^"]+)"/.exec(body)?.[1];
    if (!id) throw new Error(`starting a scavenge returned no scavengeId: ${body.slice(0, 300)}`);
    return id;
  }

  async exec(script: string): Promise<string> {
    const { exitCode, output } = await this.container.exec(["sh", "-c", script]);
    if (exitCode !== 0) throw new Error(`\`${script.slice(0, 200)}\` exited ${exitCode}: ${output.trim().slice(-1500)}`);
    return output;
  }

  log(): Promise<string> {
    return logTail(docker().getContainer(this.container.getId()), 100_000);
  }

  /** Whether the node still runs, and its exit code when not, as Docker reports them; a failed look throws. */
  async state(): Promise<{ running: boolean; exitCode: number }> {
    const { State } = await docker().getContainer(this.container.getId()).inspect();
    return { running: State.Running, exitCode: State.ExitCode };
  }

  copyDirectoryOut(containerDir: string, hostDir: string): Promise<void> {
    return copyDirectoryOut(this.container, containerDir, hostDir);
  }

  /** A clean shutdown (SIGTERM, bounded), keeping the container so a stopped node's files can still be copied out. */
  async stopCleanly(): Promise<void> {
    await docker().getContainer(this.container.getId()).stop({ t: 60 });
  }

  /** A disaster does not wait: killed and removed with its anonymous volumes. */
  async remove(): Promise<void> {
    await this.container.stop({ remove: true, removeVolumes: true, timeout: 0 });
  }
}

import type { StartedTestContainer } from "testcontainers";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { ProbeWaitStrategy, exitOrRethrow, logTail, waitForExit } from "../../harness/runtime/wait-for-probe.ts";
import { docker, publishedHost } from "../../harness/runtime/docker.ts";
import { EngineContainer } from "../../harness/runtime/engine-container.ts";
import { StartedEngineContainer } from "../../harness/runtime/started-engine.ts";
import type { EventStoreApi } from "../../protocols/event-store/api.ts";
import { esdbApi } from "../../protocols/event-store/esdb.ts";
import { kurrentApi } from "../../protocols/event-store/kurrent.ts";
import { DEFAULT_CHUNK_SIZE, type EventStoreVersion } from "./versions.ts";

export const HTTP_PORT = 2113;

/** The image's own health check (Dockerfile HEALTHCHECK), with the curl the official images ship. */
const READY_PROBE = ["sh", "-c", `curl --fail --silent http://localhost:${HTTP_PORT}/health/live`];

/**
 * The environment of every node of a drill: one insecure single node without projections, the drill's chunk size
 * (`CHUNK_SIZE` only when it is not the default, which 22.10 and 23.10 would ignore anyway: versions.ts), and the
 * version's own options (26.0: secondary indexes off).
 */
export function nodeEnvironment(version: EventStoreVersion, chunkSize: number): Record<string, string> {
  const options: Record<string, string> = {
    CLUSTER_SIZE: "1",
    INSECURE: "true",
    RUN_PROJECTIONS: "None",
    ...(chunkSize === DEFAULT_CHUNK_SIZE ? {} : { CHUNK_SIZE: String(chunkSize) }),
    ...version.options,
  };
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [`${version.envPrefix}${k}`, v]));
}

/**
 * Builder for one insecure single node, after testcontainers' module shape: a GenericContainer with the product's
 * options as setters. Options go through the product's environment prefix (`EVENTSTORE_CLUSTER_SIZE=1` or
 * `KURRENTDB_CLUSTER_SIZE=1`), as with the official images. One builder may run twice: to truncate, then to serve.
 */
export class EventStoreContainer extends EngineContainer {
  /** `chunkSize`: the drill's (versions.ts `drillChunkSize`); `CHUNK_SIZE` is set only when it is not the default. */
  constructor(
    image: ResolvedImage,
    private readonly version: EventStoreVersion,
    private readonly chunkSize: number,
  ) {
    super(image, version.dataDir);
    this.withStartupTimeout(180_000).withExposedPorts(HTTP_PORT);
  }

  /** A server option by its environment name without the prefix, e.g. `MAX_TRUNCATION`. */
  withOption(name: string, value: string): this {
    return this.withEnvironment({ [`${this.version.envPrefix}${name}`]: value });
  }

  /** The drill's options, each where no `withOption` set it (once: a second start finds them set). */
  private withDefaultOptions(): this {
    const options = Object.entries(nodeEnvironment(this.version, this.chunkSize));
    return this.withEnvironment(Object.fromEntries(options.filter(([name]) => !(name in this.environment))));
  }

  override async start(): Promise<StartedEventStore> {
    this.withDefaultOptions().withWaitStrategy(new ProbeWaitStrategy(READY_PROBE));
    return new StartedEventStore(await this.startEngine(), this.image, this.version);
  }

  /**
   * Runs the node until it exits on its own (24.x+: after truncating), bounded; returns its exit code and log. A node
   * still up at the deadline has not answered: that is thrown (the drill cannot decide), never reported as an exit.
   */
  async runToExit(timeoutMs: number): Promise<{ exitCode: number; log: string }> {
    // A node that truncates quickly may exit before the first probe: its exit is the answer, not an error.
    this.withDefaultOptions().withWaitStrategy(new ProbeWaitStrategy(["true"]));
    const start = await this.startEngine().then(
      (started) => ({ started }),
      (err: unknown) => ({ exited: exitOrRethrow(err) }),
    );
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
export async function ownExit(
  handle: Parameters<typeof waitForExit>[0],
  timeoutMs: number,
  product: string,
): Promise<number> {
  return waitForExit(handle, timeoutMs).catch((err: Error) => {
    throw new Error(`the run of ${product} that was to truncate and exit did not end in an exit: ${err.message}`, {
      cause: err,
    });
  });
}

export class StartedEventStore extends StartedEngineContainer {
  constructor(
    started: StartedTestContainer,
    image: ResolvedImage,
    readonly version: EventStoreVersion,
  ) {
    super(started, image);
  }

  /** The client of the node's product, on the mapped port. */
  api(): EventStoreApi {
    const port = this.getMappedPort(HTTP_PORT);
    return this.version.client === "esdb" ? esdbApi(publishedHost(this), port) : kurrentApi(publishedHost(this), port);
  }

  /** `POST /admin/scavenge` (the operations API; no credentials on an insecure node). Returns the scavenge id. */
  async startScavenge(): Promise<string> {
    const res = await fetch(`http://${publishedHost(this)}:${this.getMappedPort(HTTP_PORT)}/admin/scavenge`, {
      method: "POST",
      signal: AbortSignal.timeout(30_000),
    });
    const body = await res.text();
    if (!res.ok) throw new Error(`starting a scavenge answered ${res.status}: ${body.slice(0, 300)}`);
    const id = /"scavengeId"\s*:\s*"([^"]+)"/.exec(body)?.[1];
    if (!id) throw new Error(`starting a scavenge returned no scavengeId: ${body.slice(0, 300)}`);
    return id;
  }

  /** A shell script in the container; its output, or thrown when it fails. */
  async sh(script: string): Promise<string> {
    const { exitCode, output } = await this.exec(["sh", "-c", script]);
    if (exitCode !== 0)
      throw new Error(`\`${script.slice(0, 200)}\` exited ${exitCode}: ${output.trim().slice(-1500)}`);
    return output;
  }

  /** Whether the node still runs, and its exit code when not, as Docker reports them; a failed look throws. */
  async state(): Promise<{ running: boolean; exitCode: number }> {
    const { State } = await docker().getContainer(this.getId()).inspect();
    return { running: State.Running, exitCode: State.ExitCode };
  }

  /**
   * A clean shutdown (SIGTERM, bounded), keeping the container so a stopped node's files can still be copied out.
   * Through Docker, not testcontainers' stop(), which would remember this stop and never remove the container.
   */
  async stopCleanly(): Promise<void> {
    await docker().getContainer(this.getId()).stop({ t: 60 });
  }
}

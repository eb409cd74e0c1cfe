import { GenericContainer, type StartedTestContainer } from "testcontainers";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { ProbeWaitStrategy, logTail } from "../../harness/runtime/wait-for-probe.ts";
import { docker, publishedHost } from "../../harness/runtime/docker.ts";
import { copyDirectoryOut } from "../../harness/runtime/archive.ts";
import type { BoltEndpoint } from "../../protocols/bolt/graph-node.ts";
import { waitForDefaultDatabase } from "./database-status.ts";
import { startContainer } from "../../harness/runtime/start-container.ts";

/**
 * Paths, user and ports shared by the official image (neo4j/docker-neo4j-publish, 5.26.x/bullseye/community/Dockerfile)
 * and the offline one: engine code never branches on where the image came from.
 */
export const NEO4J_DATA = "/data";
export const NEO4J_BOLT_PORT = 7687;
export const NEO4J_HTTP_PORT = 7474;
export const NEO4J_UID = 7474;
export const NEO4J_USER = "neo4j";

/** HTTP answers once the DBMS has started its databases; plain bash and /dev/tcp, since neither image needs curl. */
const READY_PROBE = ["bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${NEO4J_HTTP_PORT} && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200'`];

/**
 * Small memory settings for a 2-core CI machine, as NEO4J_<setting> variables (`.` as `_`, `_` as `__`), which both
 * images turn into neo4j.conf lines; no usage report (no network).
 */
const SETTINGS = {
  NEO4J_server_memory_heap_initial__size: "256m",
  NEO4J_server_memory_heap_max__size: "512m",
  NEO4J_server_memory_pagecache_size: "128m",
  NEO4J_dbms_usage__report_enabled: "false",
};

/** Builder for a Neo4j container, after testcontainers' module shape: `withX()` setters, `start()` returns a handle. */
export class Neo4jContainer {
  private labels: Record<string, string> = {};
  private volume: string | undefined;
  private readonly startupTimeoutMs = 240_000;

  constructor(
    private readonly image: ResolvedImage,
    private readonly password: string,
  ) {}

  withLabels(labels: Record<string, string>): this {
    this.labels = labels;
    return this;
  }

  /** A named volume for /data, so the data outlives a stopped server and destroying it is an explicit step. */
  withVolume(name: string): this {
    this.volume = name;
    return this;
  }

  async start(): Promise<StartedNeo4j> {
    let container = new GenericContainer(this.image.ref)
      .withEnvironment({ NEO4J_AUTH: `${NEO4J_USER}/${this.password}`, ...SETTINGS })
      .withLabels(this.labels)
      .withStartupTimeout(this.startupTimeoutMs)
      .withExposedPorts(NEO4J_BOLT_PORT, NEO4J_HTTP_PORT)
      .withWaitStrategy(new ProbeWaitStrategy(READY_PROBE));
    if (this.volume) container = container.withBindMounts([{ source: this.volume, target: NEO4J_DATA }]);
    const started = new StartedNeo4j(await startContainer(container), this.image, this.password);
    try {
      await waitForDefaultDatabase(started.endpoint, this.startupTimeoutMs);
    } catch (err) {
      // A server whose database did not start is of no use: removed, the volume kept for the caller.
      await started.kill().catch(() => undefined);
      throw err;
    }
    return started;
  }
}

export class StartedNeo4j {
  constructor(
    readonly container: StartedTestContainer,
    readonly image: ResolvedImage,
    private readonly password: string,
  ) {}

  get endpoint(): BoltEndpoint {
    return { url: `bolt://${publishedHost(this.container)}:${this.container.getMappedPort(NEO4J_BOLT_PORT)}`, user: NEO4J_USER, password: this.password };
  }

  /** The server's log since it started. */
  log(): Promise<string> {
    return logTail(docker().getContainer(this.container.getId()), 1_000_000);
  }

  copyDirectoryOut(containerDir: string, hostDir: string): Promise<void> {
    return copyDirectoryOut(this.container, containerDir, hostDir);
  }

  /** A clean shutdown (SIGTERM, then up to 60 s to close the stores), keeping the data volume. */
  async shutdown(): Promise<void> {
    await this.container.stop({ timeout: 60_000, remove: true, removeVolumes: true });
  }

  /** A disaster does not wait for a clean shutdown: killed and removed with its anonymous volumes. */
  async kill(): Promise<void> {
    await this.container.stop({ remove: true, removeVolumes: true, timeout: 0 });
  }
}

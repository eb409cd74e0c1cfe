import type { StartedTestContainer } from "testcontainers";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { ProbeWaitStrategy } from "../../harness/runtime/wait-for-probe.ts";
import { publishedHost } from "../../harness/runtime/docker.ts";
import type { BoltEndpoint } from "../../protocols/bolt/graph-node.ts";
import { waitForDefaultDatabase } from "./database-status.ts";
import { EngineContainer } from "../../harness/runtime/engine-container.ts";
import { StartedEngineContainer } from "../../harness/runtime/started-engine.ts";

/**
 * Paths, user and ports shared by the official image (neo4j/docker-neo4j-publish, 5.26.x/bullseye/community/Dockerfile)
 * and the offline one: engine code never branches on where the image came from.
 */
export const NEO4J_DATA = "/data";
export const NEO4J_BOLT_PORT = 7687;
export const NEO4J_HTTP_PORT = 7474;
export const NEO4J_UID = 7474;
export const NEO4J_USER = "neo4j";

const STARTUP_TIMEOUT_MS = 240_000;

/** HTTP answers once the DBMS has started its databases; plain bash and /dev/tcp, since neither image needs curl. */
const READY_PROBE = [
  "bash",
  "-c",
  `exec 3<>/dev/tcp/127.0.0.1/${NEO4J_HTTP_PORT} && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200'`,
];

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

/**
 * Builder for a Neo4j container, after testcontainers' module shape: a GenericContainer with the data volume's setter,
 * `start()` returning a handle once Bolt answers.
 */
export class Neo4jContainer extends EngineContainer {
  constructor(
    image: ResolvedImage,
    private readonly password: string,
  ) {
    super(image, NEO4J_DATA);
    this.withEnvironment({ NEO4J_AUTH: `${NEO4J_USER}/${password}`, ...SETTINGS })
      .withStartupTimeout(STARTUP_TIMEOUT_MS)
      .withExposedPorts(NEO4J_BOLT_PORT, NEO4J_HTTP_PORT)
      .withWaitStrategy(new ProbeWaitStrategy(READY_PROBE));
  }

  override async start(): Promise<StartedNeo4j> {
    const started = new StartedNeo4j(await this.startEngine(), this.image, this.password);
    try {
      await waitForDefaultDatabase(started.endpoint, this.startupTimeoutMs ?? STARTUP_TIMEOUT_MS);
    } catch (err) {
      // A server whose database did not start is of no use: removed, the volume kept for the caller.
      await started.stop().catch(() => undefined);
      throw err;
    }
    return started;
  }
}

export class StartedNeo4j extends StartedEngineContainer {
  constructor(
    started: StartedTestContainer,
    image: ResolvedImage,
    private readonly password: string,
  ) {
    super(started, image);
  }

  get endpoint(): BoltEndpoint {
    return {
      url: `bolt://${publishedHost(this)}:${this.getMappedPort(NEO4J_BOLT_PORT)}`,
      user: NEO4J_USER,
      password: this.password,
    };
  }

  /** The lines of the server's debug.log (under /logs in both images) that match `pattern`; none when it has none yet. */
  async debugLogLines(pattern: string): Promise<string> {
    const { exitCode, output } = await this.exec(["grep", "-E", pattern, "/logs/debug.log"]);
    if (exitCode > 1) throw new Error(`grep in /logs/debug.log exited ${exitCode}: ${output.trim().slice(-500)}`);
    return exitCode === 0 ? output : "";
  }

  /** A clean shutdown (SIGTERM, then up to 60 s to close the stores), keeping the data volume. */
  async shutdown(): Promise<void> {
    await this.stop({ timeout: 60_000 });
  }
}

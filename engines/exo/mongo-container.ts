import { GenericContainer, type StartedTestContainer } from "testcontainers";
import { MongoClient } from "mongodb";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { copyDirectoryOut } from "../../harness/runtime/archive.ts";
import { ProbeWaitStrategy } from "../../harness/runtime/wait-for-probe.ts";
import { publishedHost } from "../../harness/runtime/docker.ts";
import { startContainer } from "../../harness/runtime/start-container.ts";
import { containerLog } from "../../harness/runtime/container-log.ts";

export const MONGO_PORT = 27017;

/**
 * Builder for eXo chat's MongoDB-wire server, after testcontainers' module shape: the official `mongo:<major>` image
 * (command `mongod`), or the offline FerretDB image laid out the same way (engines/exo/images/). Both carry
 * `mongodump` and `mongorestore`, run inside the container.
 */
export class MongoWireContainer {
  private labels: Record<string, string> = {};
  private network: { name: string; alias: string } | undefined;
  private volume: string | undefined;

  constructor(private readonly image: ResolvedImage) {}

  withLabels(labels: Record<string, string>): this {
    this.labels = labels;
    return this;
  }

  withNetwork(name: string, alias: string): this {
    this.network = { name, alias };
    return this;
  }

  /** A named volume for /data/db (both images keep their data there). */
  withVolume(name: string): this {
    this.volume = name;
    return this;
  }

  async start(): Promise<StartedMongoWire> {
    let container = new GenericContainer(this.image.ref)
      .withLabels(this.labels).withExposedPorts(MONGO_PORT)
      // Probed from inside (both images have bash): the port, then the driver's ping below.
      .withWaitStrategy(new ProbeWaitStrategy(["bash", "-c", `</dev/tcp/127.0.0.1/${MONGO_PORT}`]))
      .withStartupTimeout(120_000);
    if (this.network) container = container.withNetworkMode(this.network.name).withNetworkAliases(this.network.alias);
    if (this.volume) container = container.withBindMounts([{ source: this.volume, target: "/data/db" }]);
    const started = new StartedMongoWire(await startContainer(container), this.image);
    await started.waitForPing();
    return started;
  }
}

/**
 * What the MongoDB-wire server logs when it fails, not when a command of a client does: FerretDB's panic and fatal
 * levels (its console log: `<time>\tDPANIC\t…`), MongoDB's fatal severity (its JSON log: `"s":"F"`).
 */
export const MONGO_WIRE_ERRORS = /\t(DPANIC|PANIC|FATAL)\t|"s":"F"/;

export class StartedMongoWire {
  constructor(
    readonly container: StartedTestContainer,
    readonly image: ResolvedImage,
  ) {}

  /** The server's log since the container started. */
  log(): Promise<string> {
    return containerLog(this.container);
  }

  url(): string {
    return `mongodb://${publishedHost(this.container)}:${this.container.getMappedPort(MONGO_PORT)}/?directConnection=true`;
  }

  async client(): Promise<MongoClient> {
    const client = new MongoClient(this.url(), { serverSelectionTimeoutMS: 10_000, connectTimeoutMS: 10_000 });
    await client.connect();
    return client;
  }

  /** The port listens before the server answers commands: ping it, a bounded number of times. */
  async waitForPing(): Promise<void> {
    let last: unknown;
    for (let i = 0; i < 30; i++) {
      const client = new MongoClient(this.url(), { serverSelectionTimeoutMS: 2_000 });
      try {
        await client.db("admin").command({ ping: 1 });
        return;
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        await client.close().catch(() => undefined);
      }
    }
    throw new Error(`${this.image.ref} never answered a ping: ${(last as Error).message}`);
  }

  /** Runs a tool (mongodump, mongorestore) inside the container, against the server on localhost. */
  async tool(args: string[]): Promise<{ exitCode: number; output: string }> {
    const { exitCode, output } = await this.container.exec(args);
    return { exitCode, output };
  }

  copyDirectoryOut(containerDir: string, hostDir: string): Promise<void> {
    return copyDirectoryOut(this.container, containerDir, hostDir);
  }

  async copyDirectoryIn(hostDir: string, containerDir: string): Promise<void> {
    await this.container.copyDirectoriesToContainer([{ source: hostDir, target: containerDir }]);
  }

  async stop(): Promise<void> {
    await this.container.stop({ remove: true, removeVolumes: true, timeout: 0 });
  }
}

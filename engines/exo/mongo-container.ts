import { MongoClient } from "mongodb";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { ProbeWaitStrategy } from "../../harness/runtime/wait-for-probe.ts";
import { publishedHost } from "../../harness/runtime/docker.ts";
import { EngineContainer } from "../../harness/runtime/engine-container.ts";
import { StartedEngineContainer } from "../../harness/runtime/started-engine.ts";

export const MONGO_PORT = 27017;

/**
 * Builder for eXo chat's MongoDB-wire server, after testcontainers' module shape (a GenericContainer, network and
 * labels its own setters): the official `mongo:<major>` image (command `mongod`), or the offline FerretDB image laid
 * out the same way (engines/exo/images/). Both carry `mongodump` and `mongorestore`, run inside the container.
 */
export class MongoWireContainer extends EngineContainer {
  constructor(image: ResolvedImage) {
    super(image, "/data/db"); // both images keep their data there
    this.withExposedPorts(MONGO_PORT)
      // Probed from inside (both images have bash): the port, then the driver's ping below.
      .withWaitStrategy(new ProbeWaitStrategy(["bash", "-c", `</dev/tcp/127.0.0.1/${MONGO_PORT}`]))
      .withStartupTimeout(120_000);
  }

  override async start(): Promise<StartedMongoWire> {
    const started = new StartedMongoWire(await this.startEngine(), this.image);
    await started.waitForPing();
    return started;
  }
}

/**
 * What the MongoDB-wire server logs when it fails, not when a command of a client does: FerretDB's panic and fatal
 * levels (its console log: `<time>\tDPANIC\t…`), MongoDB's fatal severity (its JSON log: `"s":"F"`).
 */
export const MONGO_WIRE_ERRORS = /\t(DPANIC|PANIC|FATAL)\t|"s":"F"/;

export class StartedMongoWire extends StartedEngineContainer {
  url(): string {
    return `mongodb://${publishedHost(this)}:${this.getMappedPort(MONGO_PORT)}/?directConnection=true`;
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

  async copyDirectoryIn(hostDir: string, containerDir: string): Promise<void> {
    await this.copyDirectoriesToContainer([{ source: hostDir, target: containerDir }]);
  }
}

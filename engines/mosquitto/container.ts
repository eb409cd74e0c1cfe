import { mkdir } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import tarFs from "tar-fs";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { ProbeWaitStrategy, exitedDuring } from "../../harness/runtime/wait-for-probe.ts";
import { docker, publishedHost } from "../../harness/runtime/docker.ts";
import type { MqttEndpoint } from "../../protocols/mqtt/index.ts";
import { EngineContainer } from "../../harness/runtime/engine-container.ts";
import { StartedEngineContainer } from "../../harness/runtime/started-engine.ts";

/** The layout of the official eclipse-mosquitto:2 image, which the offline image copies: engine code never branches on the source. */
export const MOSQ_CONFIG = "/mosquitto/config/mosquitto.conf";
export const MOSQ_DATA = "/mosquitto/data";
export const MOSQ_DB = `${MOSQ_DATA}/mosquitto.db`;
export const MOSQ_PORT = 1883;
export const MOSQ_UID = 1883;

/** The broker's settings that matter to a drill. */
export interface MosquittoSettings {
  /** Seconds between automatic saves of the in-memory database (`autosave_interval`). */
  autosaveIntervalS: number;
  /** Messages a disconnected session may hold; beyond it Mosquitto drops them (acknowledged to the publisher all the same). */
  maxQueuedMessages: number;
}

export const DEFAULT_SETTINGS: MosquittoSettings = { autosaveIntervalS: 1800, maxQueuedMessages: 100_000 };

/** The configuration file a drill runs with, and the one a backup keeps beside `mosquitto.db`. */
export function mosquittoConf(s: MosquittoSettings): string {
  return [
    "# dr-drill: Mosquitto with persistence, as the docs describe it",
    `listener ${MOSQ_PORT}`,
    "allow_anonymous true",
    "persistence true",
    `persistence_location ${MOSQ_DATA}/`,
    `autosave_interval ${s.autosaveIntervalS}`,
    `max_queued_messages ${s.maxQueuedMessages}`,
    "log_dest stdout",
    "log_type error",
    "log_type warning",
    "log_type notice",
    "log_type information",
    "",
  ].join("\n");
}

/**
 * Ready = listening on 1883. Read from /proc/net/tcp{,6} (port 0x075B in state 0A, LISTEN) with plain `grep`, which
 * both the official Alpine image and the Debian one have; a broker that exits instead fails the wait at once.
 */
const READY_PROBE = ["sh", "-c", "grep -q ':075B [0-9A-F]*:0000 0A' /proc/net/tcp /proc/net/tcp6"];

/**
 * Builder after testcontainers' module shape: a GenericContainer (its `withX()` setters included) with Mosquitto's
 * own, and `start()` returning a handle with Mosquitto's own actions.
 */
export class MosquittoContainer extends EngineContainer {
  private config = mosquittoConf(DEFAULT_SETTINGS);

  constructor(image: ResolvedImage) {
    super(image, MOSQ_DATA);
    this.withExposedPorts(MOSQ_PORT).withStartupTimeout(60_000).withWaitStrategy(new ProbeWaitStrategy(READY_PROBE));
  }

  /** The whole `mosquitto.conf`. */
  withConfig(text: string): this {
    this.config = text;
    return this;
  }

  override async start(): Promise<StartedMosquitto> {
    this.withCopyContentToContainer([{ content: this.config, target: MOSQ_CONFIG, mode: 0o644 }]);
    return new StartedMosquitto(await this.startEngine(), this.image);
  }
}

export interface DbFileStat {
  inode: number;
  bytes: number;
}

export class StartedMosquitto extends StartedEngineContainer {
  get endpoint(): MqttEndpoint {
    return { url: `mqtt://${publishedHost(this)}:${this.getMappedPort(MOSQ_PORT)}` };
  }

  /** Sends a signal to the broker (PID 1 of the container). */
  async signal(name: "SIGUSR1" | "SIGKILL"): Promise<void> {
    await docker().getContainer(this.getId()).kill({ signal: name });
  }

  /** The inode and size of mosquitto.db, or undefined while there is none. A save writes a new file and renames it. */
  async dbStat(): Promise<DbFileStat | undefined> {
    const { exitCode, output } = await this.exec(["stat", "-c", "%i %s", MOSQ_DB]);
    if (exitCode !== 0) return undefined;
    const [inode, bytes] = output.trim().split(" ").map(Number);
    return { inode: inode!, bytes: bytes! };
  }

  /** Copies the data directory out (works on a killed container too) into `hostDir`, skipping a save's temporary file. */
  async copyDataOut(hostDir: string): Promise<void> {
    await mkdir(hostDir, { recursive: true });
    const archive = (await this.copyArchiveFromContainer(MOSQ_DATA)) as Readable;
    await pipeline(
      archive,
      tarFs.extract(hostDir, {
        map: (header) => ({ ...header, name: header.name.replace(/^data\/?/, "") }),
        ignore: (_name, header) => header?.name === "" || header?.name === "data" || /\.new$/.test(header?.name ?? ""),
      }),
    );
  }

  /** `attempt` (commands on the broker); when the broker exited meanwhile, its exit is thrown (the engine's exit, with its code and log). */
  whileRunning<T>(attempt: () => Promise<T>): Promise<T> {
    return exitedDuring(docker().getContainer(this.getId()), attempt);
  }
}

import { GenericContainer, type StartedTestContainer } from "testcontainers";
import pg from "pg";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { ProbeWaitStrategy } from "../../harness/runtime/wait-for-probe.ts";
import { copyDirectoryOut } from "../../harness/runtime/archive.ts";
import { publishedHost } from "../../harness/runtime/docker.ts";
import { startContainer } from "../../harness/runtime/start-container.ts";
import { engineErrors } from "./errors.ts";
import { containerLog } from "../../harness/runtime/container-log.ts";
import { errorLines } from "../../harness/server-log.ts";

/**
 * Paths, user and port shared by the official image and the offline one (protocols/pg/images/): engine code never
 * branches on the source.
 */
export const PGDATA = "/var/lib/postgresql/data";
export const PG_SOCKET_DIR = "/var/run/postgresql";
export const PG_PORT = 5432;
export const PG_UID = 999;
/** Where a volume for backups is mounted: a copy to the host reads it from a toolbox, not through the server's container. */
export const PG_BACKUPS = "/dr-drill-backups";

export interface PgCredentials {
  user: string;
  password: string;
  database: string;
}

/**
 * Session settings that fix the text form of every value (time zone, date style, float digits, bytea format), so the
 * digests computed on the source and on the restored server compare byte for byte.
 */
const CANONICAL_SESSION =
  "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=1 -c bytea_output=hex";

/**
 * Builder for a PostgreSQL container, after testcontainers' module shape: defaults in fields, `withX()` setters,
 * `start()` returns a handle with the engine's own actions.
 */
export class PostgresContainer {
  private labels: Record<string, string> = {};
  private volume: string | undefined;
  private backupVolume: { name: string; path: string } | undefined;
  private serverArgs: string[] = [];
  private startupTimeoutMs = 120_000;
  private network: { name: string; alias: string } | undefined;
  private settings: Record<string, string> = {};

  constructor(
    private readonly image: ResolvedImage,
    private readonly credentials: PgCredentials,
  ) {}

  withLabels(labels: Record<string, string>): this {
    this.labels = labels;
    return this;
  }

  /** A named volume for PGDATA, so destroying the data is an explicit, checkable step. */
  withVolume(name: string): this {
    this.volume = name;
    return this;
  }

  /** A named volume at `path` (PG_BACKUPS), writable by the server's user, for backups made inside the container. */
  withBackupVolume(name: string, path = PG_BACKUPS): this {
    this.backupVolume = { name, path };
    return this;
  }

  /** More server options (`-c archive_mode=on`…), after `postgres` on the server's command line. */
  withServerArgs(args: string[]): this {
    this.serverArgs = args;
    return this;
  }

  /** Joins a private network under `alias`, for a node made of several containers. */
  withNetwork(name: string, alias: string): this {
    this.network = { name, alias };
    return this;
  }

  /** Server settings on its command line (`postgres -c name=value`), as the official image passes them on. */
  withSettings(settings: Record<string, string>): this {
    this.settings = settings;
    return this;
  }

  withStartupTimeout(ms: number): this {
    this.startupTimeoutMs = ms;
    return this;
  }

  async start(): Promise<StartedPostgres> {
    let container = new GenericContainer(this.image.ref)
      .withEnvironment({
        POSTGRES_USER: this.credentials.user,
        POSTGRES_PASSWORD: this.credentials.password,
        POSTGRES_DB: this.credentials.database,
      })
      .withLabels(this.labels)
      .withStartupTimeout(this.startupTimeoutMs)
      .withExposedPorts(PG_PORT)
      // Ready means the real server answers on TCP: the init-time server only listens on the unix socket.
      .withWaitStrategy(
        new ProbeWaitStrategy([
          "pg_isready",
          "-q",
          "-h",
          "127.0.0.1",
          "-p",
          String(PG_PORT),
          "-U",
          this.credentials.user,
          "-d",
          this.credentials.database,
        ]),
      );
    const settings = Object.entries(this.settings).flatMap(([name, value]) => ["-c", `${name}=${value}`]);
    const args = [...settings, ...this.serverArgs];
    if (args.length) container = container.withCommand(["postgres", ...args]);
    if (this.network) container = container.withNetworkMode(this.network.name).withNetworkAliases(this.network.alias);
    const mounts = [
      ...(this.volume ? [{ source: this.volume, target: PGDATA }] : []),
      ...(this.backupVolume ? [{ source: this.backupVolume.name, target: this.backupVolume.path }] : []),
    ];
    const started = new StartedPostgres(
      await startContainer(container.withBindMounts(mounts)),
      this.image,
      this.credentials,
    );
    if (this.backupVolume) await started.rootOrThrow(["chown", "postgres:postgres", this.backupVolume.path]);
    return started;
  }
}

/**
 * What PostgreSQL logs when it cannot read its own data: any PANIC, and an ERROR or FATAL that names a block, page,
 * file or transaction status it could not read, or a corruption (bufmgr.c, md.c, slru.c, heapam, toast). Not a FATAL
 * of a client turned away while the server starts or stops, nor an ERROR of a client's own statement.
 */
export const PG_SERVER_ERRORS =
  /\bPANIC:|\b(FATAL|ERROR):\s+.*(could not (read|open|access|fsync)|invalid page|unexpected zero page|page verification failed|checksum verification failed|missing chunk number|unexpected chunk number|invalid memory alloc request size|corrupt|found x(min|max))/;

export class StartedPostgres {
  constructor(
    readonly container: StartedTestContainer,
    readonly image: ResolvedImage,
    readonly credentials: PgCredentials,
  ) {}

  /** The server's log since the container started. */
  log(): Promise<string> {
    return containerLog(this.container);
  }

  /** The errors the server logged about its data (`PG_SERVER_ERRORS`), in its words. */
  async serverErrors(): Promise<string[]> {
    return errorLines(await this.log(), PG_SERVER_ERRORS);
  }

  /** A client on the mapped port, with the canonical session settings. */
  async client(opts: { statementTimeoutMs?: number; database?: string } = {}): Promise<pg.Client> {
    const client = new pg.Client({
      host: publishedHost(this.container),
      port: this.container.getMappedPort(PG_PORT),
      ...this.credentials,
      ...(opts.database ? { database: opts.database } : {}),
      options: CANONICAL_SESSION + (opts.statementTimeoutMs ? ` -c statement_timeout=${opts.statementTimeoutMs}` : ""),
      query_timeout: opts.statementTimeoutMs ? opts.statementTimeoutMs + 5_000 : undefined,
      connectionTimeoutMillis: 10_000,
    });
    return connectClient(client);
  }

  /** Runs a PostgreSQL tool inside the container as the `postgres` user, through the local socket. */
  async tool(args: string[]): Promise<{ exitCode: number; output: string }> {
    const { exitCode, output } = await this.container.exec(args, { user: "postgres" });
    return { exitCode, output };
  }

  async toolOrThrow(args: string[]): Promise<string> {
    const { exitCode, output } = await this.tool(args);
    if (exitCode !== 0) throw new Error(`${args[0]} exited ${exitCode}: ${output.trim().slice(-2000)}`);
    return output;
  }

  /** Runs a command inside the container as root. */
  async rootOrThrow(args: string[]): Promise<string> {
    const { exitCode, output } = await this.container.exec(args, { user: "root" });
    if (exitCode !== 0) throw new Error(`${args.join(" ")} exited ${exitCode}: ${output.trim().slice(-2000)}`);
    return output;
  }

  /** Copies a directory out of the container into `hostDir` (its contents, not the directory itself). */
  copyDirectoryOut(containerDir: string, hostDir: string): Promise<void> {
    return copyDirectoryOut(this.container, containerDir, hostDir);
  }

  /** Copies a host directory into the container at `containerDir`. */
  async copyDirectoryIn(hostDir: string, containerDir: string): Promise<void> {
    await this.container.copyDirectoriesToContainer([{ source: hostDir, target: containerDir }]);
    await this.container.exec(["chown", "-R", "postgres:postgres", containerDir]);
  }

  async stop(): Promise<void> {
    // A disaster does not wait for a clean shutdown: the container is killed and removed with its anonymous volumes.
    await this.container.stop({ remove: true, removeVolumes: true, timeout: 0 });
  }
}

/**
 * Connects a client. A server that answers the connection with its own error (a FATAL such as `"base/16384" is not
 * a valid data directory` from a restored data directory with its database missing) said something about the
 * backup: an `EngineError`, like any error it returns to a query; a refused or lost connection stays our error.
 */
export async function connectClient(client: pg.Client): Promise<pg.Client> {
  await engineErrors(() => client.connect());
  // A server-side error on an idle client must not crash the process; the next query reports it.
  client.on("error", () => undefined);
  return client;
}

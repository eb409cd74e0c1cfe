import type { StartedTestContainer } from "testcontainers";
import pg from "pg";
import { Sender } from "@questdb/nodejs-client";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { ProbeWaitStrategy } from "../../harness/runtime/wait-for-probe.ts";
import { publishedHost } from "../../harness/runtime/docker.ts";
import { EngineContainer } from "../../harness/runtime/engine-container.ts";
import { StartedEngineContainer } from "../../harness/runtime/started-engine.ts";

/** Paths, user and ports shared by the official image and our offline one: engine code never branches on the source. */
export const QDB_ROOT = "/var/lib/questdb";
export const QDB_HTTP_PORT = 9000;
export const QDB_PG_PORT = 8812;
export const QDB_ILP_TCP_PORT = 9009;
export const QDB_HEALTH_PORT = 9003;
export const QDB_UID = 10001;

export interface QdbCredentials {
  user: string;
  password: string;
}

/**
 * Ready means the HTTP server answers a query: on a restore, the server only opens its ports after the `_restore`
 * recovery has run. Plain bash and /dev/tcp, since the official image has no curl.
 */
const READY_PROBE = [
  "bash",
  "-c",
  `exec 3<>/dev/tcp/127.0.0.1/${QDB_HTTP_PORT} && printf 'GET /exec?query=SELECT%%201 HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200'`,
];

/** Every value comes back as the server's text: the canonical form is built from that text, not from pg's parsers. */
const RAW_TYPES = { getTypeParser: () => (value: string) => value };

/** What every drill runs with unless a property says otherwise. */
const DEFAULT_ENVIRONMENT: Record<string, string> = {
  QDB_TELEMETRY_ENABLED: "false",
  // Two cores here: keep the worker pools small so a drill's load and the server do not starve each other.
  QDB_SHARED_WORKER_COUNT: "2",
};

/**
 * Builder for a QuestDB container, after testcontainers' module shape: a GenericContainer with QuestDB's own setters,
 * `start()` returning a handle with the engine's own actions. Configuration goes through `QDB_*` environment
 * variables, as with the official image.
 */
export class QuestDbContainer extends EngineContainer {
  constructor(
    image: ResolvedImage,
    private readonly credentials: QdbCredentials,
  ) {
    super(image, QDB_ROOT);
    this.withEnvironment({ QDB_PG_USER: credentials.user, QDB_PG_PASSWORD: credentials.password })
      .withStartupTimeout(180_000)
      .withExposedPorts(QDB_HTTP_PORT, QDB_PG_PORT, QDB_ILP_TCP_PORT, QDB_HEALTH_PORT)
      .withWaitStrategy(new ProbeWaitStrategy(READY_PROBE));
  }

  /** A server property, e.g. `cairo.checkpoint.recovery.enabled` → `QDB_CAIRO_CHECKPOINT_RECOVERY_ENABLED`. */
  withProperty(key: string, value: string): this {
    return this.withEnvironment({ [`QDB_${key.toUpperCase().replace(/\./g, "_")}`]: value });
  }

  override async start(): Promise<StartedQuestDb> {
    this.withEnvironment(
      Object.fromEntries(Object.entries(DEFAULT_ENVIRONMENT).filter(([name]) => !(name in this.environment))),
    );
    return new StartedQuestDb(await this.startEngine(), this.image, this.credentials);
  }
}

export class StartedQuestDb extends StartedEngineContainer {
  constructor(
    started: StartedTestContainer,
    image: ResolvedImage,
    readonly credentials: QdbCredentials,
  ) {
    super(started, image);
  }

  /** A PostgreSQL-wire client on the mapped port; every value is returned as the server's text. */
  async client(opts: { queryTimeoutMs?: number } = {}): Promise<pg.Client> {
    const client = new pg.Client({
      host: publishedHost(this),
      port: this.getMappedPort(QDB_PG_PORT),
      user: this.credentials.user,
      password: this.credentials.password,
      database: "qdb",
      types: RAW_TYPES,
      query_timeout: opts.queryTimeoutMs ?? 120_000,
      connectionTimeoutMillis: 10_000,
    });
    await client.connect();
    client.on("error", () => undefined);
    return client;
  }

  /**
   * An ILP sender over HTTP. `flush()` resolves only when the server answered the request, i.e. committed its rows
   * (to the WAL for WAL tables): that is the acknowledgement. Retries are off: a retried request whose first attempt
   * did commit would write its rows twice. That takes Node's own HTTP transport (`stdlib_http=on`, which honours
   * `retry_timeout=0`); the default undici transport retries connection errors regardless and uses `retry_timeout`
   * as the whole request's deadline. ILP protocol version 1 (text): `auto` asks /settings for
   * `line.proto.support.versions`, which 8.x servers do not have, and the client then fails.
   */
  async ilp(): Promise<Sender> {
    return Sender.fromConfig(
      `http::addr=${publishedHost(this)}:${this.getMappedPort(QDB_HTTP_PORT)};protocol_version=1;auto_flush=off;stdlib_http=on;retry_timeout=0;request_timeout=30000;`,
    );
  }
}

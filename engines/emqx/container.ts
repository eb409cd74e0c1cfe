import { GenericContainer, type StartedTestContainer } from "testcontainers";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { ProbeWaitStrategy, logTail, waitForExit } from "../../harness/runtime/wait-for-probe.ts";
import { copyDirectoryOut } from "../../harness/runtime/archive.ts";
import { docker, publishedHost } from "../../harness/runtime/docker.ts";
import { EMQX_DATA, EMQX_ETC, EMQX_MQTT_PORT, emqxEnvironment, emqxNodeName, type EmqxSettings } from "./config.ts";
import { emqxVersion } from "./versions.ts";
import { startContainer } from "../../harness/runtime/start-container.ts";

/** `emqx ctl status` answers "Node 'emqx@host' 5.8.6 is started" once the applications run (emqx_mgmt_cli.erl `status/1`). */
const READY_PROBE = ["sh", "-c", "emqx ctl status | grep -q 'is started'"];

/** Builder for an EMQX container from the official image, after testcontainers' module shape. */
export class EmqxContainer {
  private labels: Record<string, string> = {};
  private dataVolume: string | undefined;
  private etcDir: string | undefined;
  private settings: EmqxSettings = { host: "dr-drill-emqx", retainedStorage: "ram", durableSessions: false };
  private startupTimeoutMs = 120_000;

  constructor(
    private readonly image: ResolvedImage,
    private readonly version: string,
  ) {}

  withLabels(labels: Record<string, string>): this {
    this.labels = labels;
    return this;
  }

  /** A named volume for /opt/emqx/data (the built-in database, cluster.hocon, exports). */
  withDataVolume(name: string): this {
    this.dataVolume = name;
    return this;
  }

  /** A backed-up etc/ put in place before the first start (the guide's restore, docs/engines/emqx.md). */
  withEtcFrom(hostDir: string): this {
    this.etcDir = hostDir;
    return this;
  }

  withSettings(settings: Partial<EmqxSettings>): this {
    this.settings = { ...this.settings, ...settings };
    return this;
  }

  async start(): Promise<StartedEmqx> {
    let container = new GenericContainer(this.image.ref)
      .withHostname(this.settings.host)
      .withEnvironment(emqxEnvironment(emqxVersion(this.version), this.settings))
      .withLabels(this.labels)
      .withStartupTimeout(this.startupTimeoutMs)
      .withExposedPorts(EMQX_MQTT_PORT)
      .withWaitStrategy(new ProbeWaitStrategy(READY_PROBE));
    if (this.dataVolume) container = container.withBindMounts([{ source: this.dataVolume, target: EMQX_DATA }]);
    if (this.etcDir) container = container.withCopyDirectoriesToContainer([{ source: this.etcDir, target: EMQX_ETC }]);
    return new StartedEmqx(await startContainer(container), this.image, emqxNodeName(this.settings.host));
  }
}

export class StartedEmqx {
  constructor(
    readonly container: StartedTestContainer,
    readonly image: ResolvedImage,
    readonly nodeName: string,
  ) {}

  get mqttUrl(): string {
    return `mqtt://${publishedHost(this.container)}:${this.container.getMappedPort(EMQX_MQTT_PORT)}`;
  }

  /** `emqx ctl …` (or another EMQX script) as the image's user; returns what it printed. */
  async ctl(args: string[]): Promise<{ exitCode: number; output: string }> {
    const { exitCode, output } = await this.container.exec(args);
    return { exitCode, output };
  }

  /**
   * `emqx stop` (bin/emqx: nodetool shutdown): the VM, the container's main process, exits and the container with it.
   * Its exit code is recorded, not judged: what EMQX returns after a requested stop is not known here.
   */
  async shutdown(timeoutMs = 60_000): Promise<number> {
    const { output } = await this.ctl(["emqx", "stop"]);
    return waitForExit(docker().getContainer(this.container.getId()), timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message} after emqx stop: ${output.trim().slice(-1000)}`);
    });
  }

  log(): Promise<string> {
    return logTail(docker().getContainer(this.container.getId()), 1_000_000);
  }

  copyDirectoryOut(containerDir: string, hostDir: string): Promise<void> {
    return copyDirectoryOut(this.container, containerDir, hostDir);
  }

  async copyFileIn(hostPath: string, containerPath: string): Promise<void> {
    await this.container.copyFilesToContainer([{ source: hostPath, target: containerPath, mode: 0o644 }]);
  }

  async stop(): Promise<void> {
    await docker().getContainer(this.container.getId()).remove({ force: true, v: true });
  }
}

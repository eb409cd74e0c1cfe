import { GenericContainer } from "testcontainers";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { ProbeWaitStrategy, waitForExit } from "../../harness/runtime/wait-for-probe.ts";
import { docker, publishedHost } from "../../harness/runtime/docker.ts";
import { EMQX_DATA, EMQX_ETC, EMQX_MQTT_PORT, emqxEnvironment, emqxNodeName, type EmqxSettings } from "./config.ts";
import { emqxVersion } from "./versions.ts";
import { startContainer } from "../../harness/runtime/start-container.ts";
import { StartedEngineContainer } from "../../harness/runtime/started-engine.ts";

/**
 * Ready when `emqx ctl status` says "is started" AND the MQTT listener accepts a connection. "is started" is only
 * `init:get_status()` (apps/emqx_management/src/emqx_mgmt_cli.erl `status/1`, v5.5.1 and v5.8.6): the boot script
 * finished, not that the listeners are up. The connect uses bash's /dev/tcp: the image is Debian slim (emqx/emqx-docker
 * 5.5/Dockerfile `FROM debian:11-slim` at 73d7c57, 5.8/Dockerfile `FROM debian:12-slim` at 7324fb3), whose bash has
 * it; the entrypoint itself is a bash script (`#!/usr/bin/env bash`).
 */
export const READY_PROBE = [
  "bash",
  "-c",
  `emqx ctl status | grep -q 'is started' && exec 3<>/dev/tcp/127.0.0.1/${EMQX_MQTT_PORT}`,
];

/**
 * Builder for an EMQX container from the official image, after testcontainers' module shape: a GenericContainer with
 * EMQX's own setters; the hostname and environment follow the settings at start.
 */
export class EmqxContainer extends GenericContainer {
  private settings: EmqxSettings = { host: "dr-drill-emqx", retainedStorage: "ram", durableSessions: false };

  constructor(
    private readonly image: ResolvedImage,
    private readonly version: string,
  ) {
    super(image.ref);
    this.withStartupTimeout(120_000)
      .withExposedPorts(EMQX_MQTT_PORT)
      .withWaitStrategy(new ProbeWaitStrategy(READY_PROBE));
  }

  /** A named volume for /opt/emqx/data (the built-in database, cluster.hocon, exports). */
  withDataVolume(name: string): this {
    return this.withBindMounts([{ source: name, target: EMQX_DATA }]);
  }

  /** A backed-up etc/ put in place before the first start (the guide's restore, docs/engines/emqx.md). */
  withEtcFrom(hostDir: string): this {
    return this.withCopyDirectoriesToContainer([{ source: hostDir, target: EMQX_ETC }]);
  }

  withSettings(settings: Partial<EmqxSettings>): this {
    this.settings = { ...this.settings, ...settings };
    return this;
  }

  override async start(): Promise<StartedEmqx> {
    this.withHostname(this.settings.host).withEnvironment(emqxEnvironment(emqxVersion(this.version), this.settings));
    return new StartedEmqx(await startContainer(this, () => super.start()), this.image);
  }
}

export class StartedEmqx extends StartedEngineContainer {
  /** The node's name, from the hostname the container runs under. */
  get nodeName(): string {
    return emqxNodeName(this.getHostname());
  }

  get mqttUrl(): string {
    return `mqtt://${publishedHost(this)}:${this.getMappedPort(EMQX_MQTT_PORT)}`;
  }

  /**
   * `emqx stop` (bin/emqx, v5.5.1 and v5.8.6: nodetool shutdown): the VM, the container's main process, exits and the container with it.
   * Its exit code is recorded, not judged: what EMQX returns after a requested stop is not known here.
   */
  async shutdown(timeoutMs = 60_000): Promise<number> {
    const { output } = await this.exec(["emqx", "stop"]);
    return waitForExit(docker().getContainer(this.getId()), timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message} after emqx stop: ${output.trim().slice(-1000)}`);
    });
  }

  async copyFileIn(hostPath: string, containerPath: string): Promise<void> {
    await this.copyFilesToContainer([{ source: hostPath, target: containerPath, mode: 0o644 }]);
  }
}

import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { ProbeWaitStrategy, waitForExit } from "../../harness/runtime/wait-for-probe.ts";
import { docker } from "../../harness/runtime/docker.ts";
import { EMQX_DATA, EMQX_ETC, EMQX_MQTT_PORT, emqxEnvironment, emqxNodeName, type EmqxSettings } from "./config.ts";
import { emqxVersion } from "./versions.ts";
import { EngineContainer } from "../../harness/runtime/engine-container.ts";
import { StartedBrokerContainer } from "../../protocols/broker-container.ts";

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
export class EmqxContainer extends EngineContainer {
  private settings: EmqxSettings = { host: "dr-drill-emqx", retainedStorage: "ram", durableSessions: false };

  constructor(
    image: ResolvedImage,
    private readonly version: string,
  ) {
    super(image, EMQX_DATA);
    this.withStartupTimeout(120_000)
      .withExposedPorts(EMQX_MQTT_PORT)
      .withWaitStrategy(new ProbeWaitStrategy(READY_PROBE));
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
    return new StartedEmqx(await this.startEngine(), this.image);
  }
}

export class StartedEmqx extends StartedBrokerContainer {
  protected readonly mqttPort = EMQX_MQTT_PORT;

  protected nodeNameOn(host: string): string {
    return emqxNodeName(host);
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
}

import { mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { CommandExitError } from "../../harness/runtime/command-exit.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { ProbeWaitStrategy, waitForExit } from "../../harness/runtime/wait-for-probe.ts";
import { docker } from "../../harness/runtime/docker.ts";
import { EngineContainer } from "../../harness/runtime/engine-container.ts";
import { StartedBrokerContainer } from "../../protocols/broker-container.ts";

/**
 * Paths, user and ports shared by the official `rabbitmq:3` image and our offline one (docker-library/rabbitmq
 * 3.x/ubuntu/Dockerfile): the data volume is /var/lib/rabbitmq, the Mnesia base under it; uid/gid 999.
 */
export const RABBIT_DATA_DIR = "/var/lib/rabbitmq";
export const MNESIA_BASE = `${RABBIT_DATA_DIR}/mnesia`;
export const RABBIT_UID = 999;
export const MQTT_PORT = 1883;
export const AMQP_PORT = 5672;

/** The plugin file both images read (`RABBITMQ_ENABLED_PLUGINS_FILE` defaults to it). */
const ENABLED_PLUGINS = "[rabbitmq_mqtt].\n";
/** As the official image's 10-defaults.conf: guest may connect over the network (MQTT's default user is guest). */
const DRILL_CONF = "loopback_users.guest = false\nlog.console = true\n";

/** `rabbit@<host>`: the node name RabbitMQ derives from the hostname, pinned here so a restore can match it. */
export const nodeNameOf = (host: string) => `rabbit@${host}`;

/**
 * Ready means the MQTT listener is up: the plugin starts after Mnesia and the retained store are loaded, so a
 * restored node is ready only once its data is. As the rabbitmq user (gosu, in both images): a CLI run as root with
 * HOME=/var/lib/rabbitmq would create a root-owned Erlang cookie there before the server, which then cannot read it.
 */
const READY_PROBE = ["gosu", "rabbitmq", "rabbitmq-diagnostics", "-q", "check_port_listener", String(MQTT_PORT)];

/**
 * Builder for a RabbitMQ container with the MQTT plugin, after testcontainers' module shape: a GenericContainer with
 * RabbitMQ's own setters. The hostname and `RABBITMQ_NODENAME` are pinned together: Mnesia keeps its tables under a
 * directory named after the node.
 */
export class RabbitMqContainer extends EngineContainer {
  private host = "dr-drill-rabbit";

  constructor(image: ResolvedImage) {
    super(image, RABBIT_DATA_DIR);
    this.withCopyContentToContainer([
      { content: ENABLED_PLUGINS, target: "/etc/rabbitmq/enabled_plugins", mode: 0o644 },
      { content: DRILL_CONF, target: "/etc/rabbitmq/conf.d/90-dr-drill.conf", mode: 0o644 },
    ])
      .withStartupTimeout(120_000)
      .withExposedPorts(MQTT_PORT)
      .withWaitStrategy(new ProbeWaitStrategy(READY_PROBE));
  }

  /** The hostname, and with it the node name `rabbit@<host>`. */
  withHost(host: string): this {
    this.host = host;
    return this;
  }

  override async start(): Promise<StartedRabbitMq> {
    this.withHostname(this.host).withEnvironment({ RABBITMQ_NODENAME: nodeNameOf(this.host) });
    return new StartedRabbitMq(await this.startEngine(), this.image);
  }
}

export class StartedRabbitMq extends StartedBrokerContainer {
  protected readonly mqttPort = MQTT_PORT;

  protected nodeNameOn(host: string): string {
    return nodeNameOf(host);
  }

  /** A RabbitMQ CLI as the rabbitmq user (its home holds the Erlang cookie, in both images). */
  async ctl(args: string[]): Promise<string> {
    const { exitCode, output } = await this.exec(args, { user: "rabbitmq" });
    if (exitCode !== 0) throw new CommandExitError(args.join(" "), exitCode, output);
    return output;
  }

  /**
   * `rabbitmqctl shutdown`: stops the node and its Erlang VM (PID 1 of the container, so the container exits), then
   * waits, bounded, until Docker sees it stopped with exit code 0. The CLI itself waits for the VM to end, so Docker
   * kills it with its container (137): the container's exit code is the answer, not the CLI's.
   */
  async shutdown(timeoutMs = 60_000): Promise<void> {
    const { output } = await this.exec(["rabbitmqctl", "shutdown"], { user: "rabbitmq" });
    const exitCode = await waitForExit(docker().getContainer(this.getId()), timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message} after rabbitmqctl shutdown: ${output.trim().slice(-1000)}`);
    });
    if (exitCode !== 0)
      throw new Error(`the node exited with code ${exitCode} on rabbitmqctl shutdown: ${output.trim().slice(-1000)}`);
  }

  /** A small text file of the container (a definitions export) into `hostDir`, under its own name. */
  async copyFileOut(containerPath: string, hostDir: string): Promise<void> {
    const { exitCode, stdout, stderr } = await this.exec(["cat", containerPath], { user: "rabbitmq" });
    if (exitCode !== 0) throw new Error(`cannot read ${containerPath}: ${stderr.trim()}`);
    await mkdir(hostDir, { recursive: true });
    await writeFile(join(hostDir, basename(containerPath)), stdout);
  }
}

import { publishedHost } from "../harness/runtime/docker.ts";
import { StartedEngineContainer } from "../harness/runtime/started-engine.ts";

/**
 * A started broker whose backup stops the node (RabbitMQ, EMQX: an Erlang node named after its host): the node's name
 * from the hostname the container runs under, its MQTT URL, and a file put into it for the broker's own import.
 */
export abstract class StartedBrokerContainer extends StartedEngineContainer {
  /** The MQTT port inside the container. */
  protected abstract readonly mqttPort: number;
  /** The Erlang node name the broker takes on `host`. */
  protected abstract nodeNameOn(host: string): string;

  get nodeName(): string {
    return this.nodeNameOn(this.getHostname());
  }

  get mqttUrl(): string {
    return `mqtt://${publishedHost(this)}:${this.getMappedPort(this.mqttPort)}`;
  }

  async copyFileIn(hostPath: string, containerPath: string): Promise<void> {
    await this.copyFilesToContainer([{ source: hostPath, target: containerPath, mode: 0o644 }]);
  }
}

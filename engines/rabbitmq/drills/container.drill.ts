import { describe, it, expect } from "vitest";
import { ImageResolver, parseImageMode } from "../../../harness/runtime/images.ts";
import { removeManaged, runLabels } from "../../../harness/runtime/resources.ts";
import { newRunId } from "../../../harness/drill.ts";
import { RabbitMqContainer } from "../container.ts";
import { RABBITMQ_DEFAULT_VERSION, rabbitmqImageSpec } from "../versions.ts";
import { closeMqtt, connectMqtt, MqttPublisher } from "../../../protocols/mqtt/index.ts";

/** Messages a fresh subscription to `filter` receives within `ms`. */
async function received(url: string, filter: string, ms: number): Promise<string[]> {
  const got: string[] = [];
  const { client } = await connectMqtt(
    { url },
    {
      clientId: `dd-sub-${filter.length}-${Date.now()}`,
      protocol: 4,
      persistent: false,
      onMessage: (t, p) => got.push(`${t}=${p.toString()}`),
    },
  );
  try {
    await client.subscribeAsync(filter, { qos: 1 });
    await new Promise((r) => setTimeout(r, ms));
    return got;
  } finally {
    await closeMqtt(client);
  }
}

// The facts the RabbitMQ engine is built on, measured on the image the drills use (the capabilities in
// engines/rabbitmq/node.ts): the pinned node name, MQTT 3.1.1 only, retained messages only on exact-topic subscriptions.
describe("rabbitmq: the container module and the MQTT plugin", () => {
  it("pins the node name, speaks MQTT 3.1.1 but not 5, and delivers a retained message on its exact topic only", async () => {
    const runId = newRunId();
    const image = await new ImageResolver(parseImageMode(process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"), (l) =>
      console.log(l),
    ).resolve(rabbitmqImageSpec(RABBITMQ_DEFAULT_VERSION));
    try {
      const broker = await new RabbitMqContainer(image)
        .withLabels(runLabels(runId, `${runId}-container`))
        .withHost("dd-module-test")
        .start();
      expect(broker.nodeName).toBe("rabbit@dd-module-test");
      expect((await broker.ctl(["rabbitmqctl", "eval", "node()."])).trim()).toBe("'rabbit@dd-module-test'");
      expect((await broker.ctl(["rabbitmq-diagnostics", "-q", "server_version"])).trim()).toBe(
        RABBITMQ_DEFAULT_VERSION,
      );

      const v5 = await connectMqtt({ url: broker.mqttUrl }, { clientId: "dd-v5", protocol: 5, persistent: false }).then(
        () => "connected",
        (err: Error) => err.message,
      );
      expect(v5).toBe("dd-v5: the connection closed before CONNACK");

      const { client } = await connectMqtt(
        { url: broker.mqttUrl },
        { clientId: "dd-v3", protocol: 4, persistent: false },
      );
      const publisher = new MqttPublisher(client);
      await publisher.publish("dd/a/b", Buffer.from("kept"), 1, true);
      await publisher.close();
      expect(await received(broker.mqttUrl, "dd/a/b", 1_000)).toEqual(["dd/a/b=kept"]);
      expect(await received(broker.mqttUrl, "#", 1_000)).toEqual([]);
      expect(await received(broker.mqttUrl, "dd/+/b", 1_000)).toEqual([]);
    } finally {
      await removeManaged({ runId });
    }
  });
});

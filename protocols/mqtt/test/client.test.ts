import { describe, expect, it } from "vitest";
import { ErrorWithReasonCode } from "mqtt";
import { brokerRefusals, connectMqtt, isDefiniteFailure, MqttPublisher, NoAckError, NotSentError } from "../client.ts";
import { EngineError } from "../../../harness/engine-error.ts";
import { scriptedBroker } from "./scripted-broker.ts";

// The outcome mapping against a scripted broker speaking real MQTT packets:
// PUBACK/PUBCOMP = ok, a refusal = fail, no acknowledgement or a lost connection = info.
type Answer = "ack" | "refuse" | "silent" | "hang-up";

async function broker(answer: Answer, opts: { connackCode?: number; sessionPresent?: boolean } = {}): Promise<string> {
  const started = await scriptedBroker((packet, conn) => {
    if (packet.cmd === "connect") {
      conn.send({
        cmd: "connack",
        returnCode: opts.connackCode ?? 0,
        reasonCode: opts.connackCode ?? 0,
        sessionPresent: opts.sessionPresent ?? false,
      });
    } else if (packet.cmd === "publish") {
      const messageId = packet.messageId!;
      if (answer === "hang-up") conn.socket.destroy();
      if (answer === "silent" || answer === "hang-up") return;
      const reasonCode = answer === "refuse" ? 0x87 : 0;
      conn.send(packet.qos === 2 ? { cmd: "pubrec", messageId, reasonCode } : { cmd: "puback", messageId, reasonCode });
    } else if (packet.cmd === "pubrel") {
      conn.send({ cmd: "pubcomp", messageId: packet.messageId! });
    } else if (packet.cmd === "disconnect") conn.socket.end();
  });
  return started.url;
}

async function outcomeOf(
  answer: Answer,
  protocol: 4 | 5,
  qos: 1 | 2,
  ackTimeoutMs = 2_000,
): Promise<{ outcome: "ok" | "fail" | "info"; err?: unknown }> {
  const url = await broker(answer);
  const { client } = await connectMqtt({ url }, { clientId: "t", protocol, persistent: false });
  const publisher = new MqttPublisher(client, ackTimeoutMs);
  try {
    await publisher.publish("a/ü/😀", Buffer.from([0, 1]), qos, true);
    return { outcome: "ok" };
  } catch (err) {
    return { outcome: isDefiniteFailure(err) ? "fail" : "info", err };
  } finally {
    await publisher.close();
  }
}

describe("MQTT publish outcomes", () => {
  for (const protocol of [4, 5] as const) {
    it(`MQTT ${protocol === 5 ? "5" : "3.1.1"}: PUBACK (QoS 1) and PUBCOMP (QoS 2) are ok`, async () => {
      expect((await outcomeOf("ack", protocol, 1)).outcome).toBe("ok");
      expect((await outcomeOf("ack", protocol, 2)).outcome).toBe("ok");
    });

    it(`MQTT ${protocol === 5 ? "5" : "3.1.1"}: no acknowledgement in time is info, a connection lost while waiting too`, async () => {
      const silent = await outcomeOf("silent", protocol, 1, 300);
      expect(silent).toMatchObject({ outcome: "info", err: expect.any(NoAckError) });
      expect(String(silent.err)).toMatch(/no PUBACK within 300 ms/);
      const lost = await outcomeOf("hang-up", protocol, 2);
      expect(lost).toMatchObject({ outcome: "info", err: expect.any(NoAckError) });
    });
  }

  it("MQTT 5: a PUBACK or PUBREC with an error reason code is a definite refusal", async () => {
    for (const qos of [1, 2] as const) {
      const refused = await outcomeOf("refuse", 5, qos);
      expect(refused.outcome).toBe("fail");
      expect(refused.err).toBeInstanceOf(ErrorWithReasonCode);
    }
  });

  it("a publish on a connection already gone is never sent: fail", async () => {
    const url = await broker("ack");
    const { client } = await connectMqtt({ url }, { clientId: "t", protocol: 4, persistent: false });
    const publisher = new MqttPublisher(client);
    await publisher.close();
    const err = await publisher.publish("a", Buffer.from("x"), 1, false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotSentError);
    expect(isDefiniteFailure(err)).toBe(true);
  });

  it("reason codes: 0x10 (no matching subscribers) would be no error, ≥ 0x80 refusals, anything else unknown", () => {
    expect(isDefiniteFailure(new ErrorWithReasonCode("quota", 0x97))).toBe(true);
    expect(isDefiniteFailure(new ErrorWithReasonCode("odd", 0x04))).toBe(false);
    expect(isDefiniteFailure(new Error("ECONNRESET"))).toBe(false);
    expect(isDefiniteFailure(new NoAckError("x"))).toBe(false);
  });

  it("a probe write the broker refused is its answer (EngineError); no acknowledgement or a lost connection is not", async () => {
    const refused = new ErrorWithReasonCode("quota exceeded", 0x97);
    await expect(brokerRefusals(() => Promise.reject(refused))).rejects.toThrow(EngineError);
    for (const err of [new NoAckError("no PUBACK within 10000 ms"), new Error("ECONNRESET")])
      await expect(brokerRefusals(() => Promise.reject(err))).rejects.toBe(err);
    expect(await brokerRefusals(async () => "acked")).toBe("acked");
  });
});

describe("connectMqtt", () => {
  it("reports CONNACK's sessionPresent", async () => {
    const url = await broker("ack", { sessionPresent: true });
    const { client, sessionPresent } = await connectMqtt({ url }, { clientId: "s", protocol: 4, persistent: true });
    expect(sessionPresent).toBe(true);
    await client.endAsync();
  });

  it("a CONNACK refusal is the broker's answer (EngineError); no broker at all is not", async () => {
    const url = await broker("ack", { connackCode: 5 });
    await expect(connectMqtt({ url }, { clientId: "s", protocol: 4, persistent: true })).rejects.toBeInstanceOf(
      EngineError,
    );
    const closed = await scriptedBroker(() => undefined);
    await closed.stop();
    const err = await connectMqtt(
      { url: closed.url },
      { clientId: "s", protocol: 4, persistent: true, connectTimeoutMs: 2_000 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(EngineError);
  });
});

import { afterEach } from "vitest";
import { createServer, type Server, type Socket } from "node:net";
import { generate, parser, type Packet } from "mqtt-packet";

/**
 * A broker for unit tests that speaks real MQTT packets (mqtt-packet, the parser mqtt.js uses) and answers each one
 * as the test scripts it. Every broker started is stopped after the current test.
 */
export interface ScriptedConnection {
  readonly socket: Socket;
  /** The protocol level of the connection's CONNECT (4 or 5). */
  readonly version: number;
  send(packet: Packet): void;
}

export interface ScriptedBroker {
  url: string;
  stop(): Promise<void>;
}

const running: ScriptedBroker[] = [];
afterEach(async () => {
  for (const b of running.splice(0)) await b.stop();
});

export async function scriptedBroker(
  onPacket: (packet: Packet, conn: ScriptedConnection) => void,
): Promise<ScriptedBroker> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    const p = parser();
    const conn = {
      socket,
      version: 4,
      send: (packet: Packet) =>
        void (socket.writable && socket.write(generate(packet, { protocolVersion: conn.version }))),
    };
    p.on("packet", (packet) => {
      if (packet.cmd === "connect") conn.version = packet.protocolVersion ?? 4;
      onPacket(packet, conn);
    });
    socket.on("data", (d) => p.parse(d));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  if (address === null || typeof address === "string")
    throw new Error(`the scripted broker listens on ${address}, not on a TCP port`);
  const broker: ScriptedBroker = {
    url: `mqtt://127.0.0.1:${address.port}`,
    stop: () => {
      const i = running.indexOf(broker);
      if (i >= 0) running.splice(i, 1);
      sockets.forEach((s) => s.destroy());
      return new Promise((r) => server.close(() => r()));
    },
  };
  running.push(broker);
  return broker;
}

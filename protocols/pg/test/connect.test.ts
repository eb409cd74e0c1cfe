import { describe, expect, it } from "vitest";
import { createServer, type AddressInfo } from "node:net";
import pg from "pg";
import { connectClient } from "../container.ts";
import { isEngineError } from "../../../harness/engine-error.ts";

/** A server that answers every startup with one ErrorResponse (FATAL), as PostgreSQL does for a missing database directory. */
async function fatalServer(message: string): Promise<{ port: number; close(): void }> {
  const field = (code: string, text: string) => Buffer.concat([Buffer.from(code), Buffer.from(text), Buffer.from([0])]);
  const body = Buffer.concat([
    field("S", "FATAL"),
    field("V", "FATAL"),
    field("C", "XX000"),
    field("M", message),
    Buffer.from([0]),
  ]);
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length + 4);
  const server = createServer((socket) =>
    socket.once("data", () => socket.end(Buffer.concat([Buffer.from("E"), len, body]))),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

describe("pg: connecting to a restored server", () => {
  it("a FATAL at connection is the engine's word about the backup (EngineError), not our crash", async () => {
    const server = await fatalServer('"base/16384" is not a valid data directory');
    try {
      const err = await connectClient(
        new pg.Client({ host: "127.0.0.1", port: server.port, user: "u", database: "d", password: "p" }),
      ).catch((e: unknown) => e);
      expect(isEngineError(err)).toBe(true);
      expect(String(err)).toMatch(/not a valid data directory/);
    } finally {
      server.close();
    }
  });

  it("a refused connection stays an error of ours", async () => {
    const server = await fatalServer("x");
    server.close();
    const err = await connectClient(
      new pg.Client({ host: "127.0.0.1", port: server.port, user: "u", database: "d", password: "p" }),
    ).catch((e: unknown) => e);
    expect(isEngineError(err)).toBe(false);
  });
});

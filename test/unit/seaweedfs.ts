import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { CreateBucketCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";

/**
 * SeaweedFS (Apache-2.0), a real S3-compatible server: `weed server -s3` (master, volume, filer and S3 gateway in one
 * process) on free ports in a temporary directory. `npm test` builds `weed` into .cache/bin (scripts/test.sh).
 */
export interface SeaweedS3 {
  endpoint: string;
  env: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string; AWS_REGION: string; AWS_ENDPOINT_URL_S3: string };
  client: S3Client;
  bucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

export function weedBinary(): string {
  const found = [process.env.WEED, resolve(".cache/bin/weed")].find((c) => c && existsSync(c));
  if (!found)
    throw new Error(
      "weed (SeaweedFS) not found: `npm test` builds it into .cache/bin (scripts/test.sh, from the Go module proxy); or set WEED",
    );
  return found;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (typeof address !== "object" || address === null) throw new Error("no free port");
  return address.port;
}

const ACCESS_KEY = "DRDRILLTESTACCESSKEY";
const SECRET_KEY = "dr-drill-test-secret-key-0123456789abcdef";

export async function startSeaweedS3(): Promise<SeaweedS3> {
  // Its own directory, kept for the life of the server (not a per-test temporary one) and removed when it stops.
  const dir = await mkdtemp(join(tmpdir(), "dr-drill-seaweedfs-"));
  const config = join(dir, "s3.json");
  await writeFile(
    config,
    JSON.stringify({
      identities: [
        {
          name: "dr-drill-test",
          credentials: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
          actions: ["Admin", "Read", "List", "Write"],
        },
      ],
    }),
  );
  const ports: number[] = [];
  while (ports.length < 8) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = ports;
  const args = [
    "server",
    `-dir=${dir}`,
    "-ip=127.0.0.1",
    "-ip.bind=127.0.0.1",
    "-s3",
    `-s3.config=${config}`,
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    "-s3.port.iceberg=0",
    "-s3.port.lance=0",
    "-master.telemetry=false",
    "-master.volumeSizeLimitMB=64",
    "-volume.max=8",
  ];
  const child = spawn(weedBinary(), args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (d: Buffer) => (log = (log + d.toString()).slice(-20_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const endpoint = `http://127.0.0.1:${s3}`;
  const env = {
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_S3: endpoint,
  };
  const client = new S3Client({
    region: env.AWS_REGION,
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const stop = async () => {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await ready(client, child, () => log);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoint,
    env,
    client,
    bucket: async (name) => void (await client.send(new CreateBucketCommand({ Bucket: name }))),
    stop: async () => {
      client.destroy();
      await stop();
    },
  };
}

/** Up when the S3 gateway lists buckets with our credentials (the filer and volume server start behind it). */
async function ready(client: S3Client, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  let last = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`weed exited with ${child.exitCode} before serving S3:\n${log()}`);
    try {
      await client.send(new ListBucketsCommand({}));
      return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`weed's S3 gateway did not answer in 90 s (last: ${last}):\n${log()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

import { describe, expect, it } from "vitest";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describeScan, midChunkCut, scanDb, partAt } from "../db-file.ts";
import {
  ARTIFACT_CONF,
  ARTIFACT_DB,
  logProblems,
  MosquittoEngine,
  type MosquittoArtifact,
  exitedAfterStart,
} from "../engine.ts";
import { emptyDbFile, flippedPayloadByte, truncatedDbFile } from "../faults.ts";
import { mosquittoDamageTargets } from "../damage-targets.ts";
import { DEFAULT_SETTINGS, mosquittoConf } from "../container.ts";
import { mosquittoImageSpec } from "../versions.ts";
import { framePayload, retainedPayload } from "../../../protocols/mqtt/model.ts";
import { makeTempDir } from "../../../test/unit/support.ts";
import { rm } from "node:fs/promises";
import type { DrillRuntime } from "../../../harness/engine.ts";
import { DrillClock } from "../../../harness/clock.ts";
import { ImageResolver, type ResolvedImage } from "../../../harness/runtime/images.ts";
import { logFixture } from "../../../test/unit/support.ts";

/**
 * A real mosquitto.db, saved on SIGUSR1 by Mosquitto 2.0.11 (Debian bookworm, the offline image): two persistent
 * sessions (MQTT 3.1.1 dd-v3-0, MQTT 5 dd-v5-1) subscribed to their inboxes, one retained message on "ünï/😀//r",
 * three messages queued for dd-v3-0 and one for dd-v5-1, published with this repository's MQTT client.
 */
const REAL_DB = Buffer.from(
  "ALUAbW9zcXVpdHRvIGRiAAAAAAAAAAYAAAABAAAAEEAAAAAAAAAAAAgAAAAAAAAAAAACAAAASkAAAAAAAAAAAAAAAAAAAAAAAAAPrqAAAwAAABgHWwEAcHViZHItZHJpbGwtaW5ib3gvZGQtdjUtMS95MHwAAQIDBAUGBwgJCgsMAAAAAgAAAFE/AAAAAAAAAAAAAAAAAAAAAAAAFq6fAAMAAAAYB1sBAHB1YmRyLWRyaWxsLWluYm94L2RkLXYzLTAveDJ8cXVldWVkIGJvZHkgbnVtYmVyIDIAAAACAAAAUT4AAAAAAAAAAAAAAAAAAAAAAAAWrp4AAwAAABgHWwEAcHViZHItZHJpbGwtaW5ib3gvZGQtdjMtMC94MXxxdWV1ZWQgYm9keSBudW1iZXIgMQAAAAIAAABRPQAAAAAAAAAAAAAAAAAAAAAAABaunQADAAAAGAdbAQBwdWJkci1kcmlsbC1pbmJveC9kZC12My0wL3gwfHF1ZXVlZCBib2R5IG51bWJlciAwAAAAAgAAAEQ8AAAAAAAAAAAAAAAAAAAAAAAAFK6cAAMAAAANB1sCAXB1YsO8bsOvL/CfmIAvL3Jsb2FkLTB8cmV0YWluZWQgYm9keQAAAAYAAAAfAAAAAAAAAAD/////AAMABwdbAAAAAAAAZGQtdjMtMAAAAAMAAAAXPQAAAAAAAAAAAQAHAQsAAWRkLXYzLTAAAAADAAAAFz4AAAAAAAAAAAIABwELAAFkZC12My0wAAAAAwAAABc/AAAAAAAAAAADAAcBCwABZGQtdjMtMAAAAAYAAAAfsG4NawAAAAAACTqAAAEABwdbAAAAAAAAZGQtdjUtMQAAAAMAAAAXQAAAAAAAAAAAAQAHAQsAAWRkLXY1LTEAAAAFAAAAKwAAAAAABwAYAQAAAGRkLXYzLTBkci1kcmlsbC1pbmJveC9kZC12My0wLyMAAAAFAAAAKwAAAAAABwAYAQAAAGRkLXY1LTFkci1kcmlsbC1pbmJveC9kZC12NS0xLyMAAAAEAAAACDwAAAAAAAAA",
  "base64",
);

async function artifactWith(db: Buffer): Promise<MosquittoArtifact> {
  const dir = await makeTempDir();
  await mkdir(join(dir, "data"));
  await mkdir(join(dir, "config"));
  await writeFile(join(dir, ARTIFACT_DB), db);
  await writeFile(join(dir, ARTIFACT_CONF), mosquittoConf(DEFAULT_SETTINGS));
  return {
    dir,
    method: "sigusr1",
    tool: "test",
    finishedAt: 0,
    sourceVersion: "2",
    save: { after: { inode: 1, bytes: db.length }, waitedMs: 0 },
  };
}

describe("mosquitto.db as Mosquitto 2.0.11 reads it", () => {
  it("walks a real file to its end: chunks by type, stored messages with topic, payload and retain flag", () => {
    const scan = scanDb(REAL_DB);
    expect(scan.problem).toBeUndefined();
    expect(scan.version).toBe(6);
    expect(scan.chunks).toEqual({ cfg: 1, "msg-store": 5, client: 2, "client-msg": 4, sub: 2, retain: 1 });
    const payload = (i: number) =>
      REAL_DB.subarray(
        scan.messages[i]!.payloadOffset,
        scan.messages[i]!.payloadOffset + scan.messages[i]!.payloadLength,
      );
    const byTopic = scan.messages.map((m, i) => ({ topic: m.topic, retain: m.retain, payload: payload(i) }));
    expect(byTopic).toEqual(
      expect.arrayContaining([
        { topic: "ünï/😀//r", retain: true, payload: retainedPayload("load-0", Buffer.from("retained body")) },
        {
          topic: "dr-drill-inbox/dd-v3-0/x",
          retain: false,
          payload: framePayload(2, Buffer.from("queued body number 2")),
        },
        {
          topic: "dr-drill-inbox/dd-v5-1/y",
          retain: false,
          payload: framePayload(0, Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])),
        },
      ]),
    );
    expect(describeScan(scan)).toBe(
      `${REAL_DB.length} bytes, format 6: 1 cfg, 5 msg-store, 2 client, 4 client-msg, 2 sub, 1 retain`,
    );
  });

  it("names a file cut anywhere but at a chunk boundary as truncated", () => {
    const boundaries = new Set<number>();
    for (let at = 23; at < REAL_DB.length; at += 8 + REAL_DB.readUInt32BE(at + 4)) boundaries.add(at);
    for (let cut = 23; cut < REAL_DB.length; cut++) {
      const scan = scanDb(REAL_DB.subarray(0, cut));
      // At a boundary the file is shorter but whole: no format can tell (Mosquitto loads it, missing the rest).
      if (boundaries.has(cut)) expect(scan.problem, `cut at ${cut}`).toBeUndefined();
      else expect(scan.problem, `cut at ${cut}`).toMatch(/^truncated: /);
    }
  });

  it("midChunkCut always cuts inside a chunk, so the fault is a truncation Mosquitto can see", () => {
    for (let f = 0.05; f < 1; f += 0.05) {
      const cut = midChunkCut(REAL_DB, f);
      expect(scanDb(REAL_DB.subarray(0, cut.newSize)).problem, `fraction ${f}`).toMatch(/^truncated: /);
    }
  });

  it("names an empty file, a short header and a foreign file", () => {
    expect(scanDb(Buffer.alloc(0)).problem).toMatch(/^the file is empty/);
    expect(scanDb(REAL_DB.subarray(0, 10)).problem).toMatch(/less than the 23-byte header/);
    const foreign = Buffer.from(REAL_DB);
    foreign[3] = 0x4e;
    expect(scanDb(foreign).problem).toMatch(/magic bytes/);
    const future = Buffer.from(REAL_DB);
    future.writeUInt32BE(7, 19);
    expect(scanDb(future).problem).toMatch(/format version 7/);
  });
});

describe("mosquitto faults and preflight", () => {
  const engine = new MosquittoEngine("2");

  it("an intact backup passes preflight", async () => {
    const checks = await engine.preflight(await artifactWith(REAL_DB));
    expect(checks.map((c) => [c.name, c.valid])).toEqual([
      ["preflight:mosquitto.db", true],
      ["preflight:mosquitto.conf", true],
    ]);
  });

  it("the flipped byte lands in a queued message's payload and nowhere else; the file still reads to its end", async () => {
    const artifact = await artifactWith(REAL_DB);
    const record = await flippedPayloadByte().apply(artifact);
    const after = await readFile(join(artifact.dir, ARTIFACT_DB));
    const changed = [...after.keys()].filter((i) => after[i] !== REAL_DB[i]);
    expect(changed).toEqual([record.detail.offset]);
    const target = scanDb(REAL_DB).messages.find(
      (m) => changed[0]! >= m.payloadOffset && changed[0]! < m.payloadOffset + m.payloadLength,
    );
    expect(target).toMatchObject({ retain: false });
    expect(changed[0]).toBe(target!.payloadOffset + target!.payloadLength - 1);
    expect((await engine.preflight(artifact))[0]!.valid).toBe(true);
  });

  it("a chunk of a type Mosquitto does not know: the file loads without it, and the preflight says that chunk is dropped", async () => {
    // A chunk of type 9 (persist.h knows 1..6), 4 bytes long, appended after the last real chunk.
    const unknown = Buffer.concat([REAL_DB, Buffer.from([0, 0, 0, 9, 0, 0, 0, 4, 1, 2, 3, 4])]);
    const [db] = await engine.preflight(await artifactWith(unknown));
    expect(db).toMatchObject({ name: "preflight:mosquitto.db", valid: true });
    expect(db!.summary).toBe(
      `warning: ${ARTIFACT_DB} holds chunk(s) Mosquitto does not know (1 of type 9): the broker skips them ("Unsupported chunk … Ignoring.") and restores the rest: ${describeScan(scanDb(unknown))}`,
    );
    expect(db!.summary).not.toMatch(/reads to its end/);
  });

  it("an emptied or truncated file fails preflight, saying why", async () => {
    const empty = await artifactWith(REAL_DB);
    await emptyDbFile().apply(empty);
    expect((await engine.preflight(empty))[0]).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/the file is empty/),
    });
    const cut = await artifactWith(REAL_DB);
    const { detail } = await truncatedDbFile().apply(cut);
    expect(detail).toMatchObject({ size: REAL_DB.length, newSize: expect.any(Number) });
    expect(Math.abs(Number(detail.newSize) - REAL_DB.length / 2)).toBeLessThan(REAL_DB.length / 4);
    expect((await engine.preflight(cut))[0]).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/truncated: /),
    });
  });

  it("a configuration without persistence fails preflight: the restored broker would ignore the file", async () => {
    const artifact = await artifactWith(REAL_DB);
    await writeFile(join(artifact.dir, ARTIFACT_CONF), "listener 1883\n");
    expect((await engine.preflight(artifact))[1]).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/does not turn persistence on/),
    });
  });

  it("each fault states the outcome the issue measured by hand", () => {
    expect(flippedPayloadByte().expect).toEqual({
      outcome: "detects",
      by: [{ check: "ledger-oracle", reason: "corrupt|lost" }],
    });
    expect(emptyDbFile().expect).toMatchObject({
      outcome: "detects",
      by: [{ check: "ledger-oracle", reason: "lost" }, { check: "preflight:mosquitto.db" }],
    });
    expect(truncatedDbFile().expect).toEqual({ outcome: "refuses", reason: "Couldn't open database" });
  });
});

describe("mosquitto configuration, log and versions", () => {
  it("the drill's mosquitto.conf turns persistence on with the given autosave interval and queue limit", () => {
    const conf = mosquittoConf({ autosaveIntervalS: 4, maxQueuedMessages: 1000 });
    expect(conf).toMatch(/^persistence true$/m);
    expect(conf).toMatch(/^persistence_location \/mosquitto\/data\/$/m);
    expect(conf).toMatch(/^autosave_interval 4$/m);
    expect(conf).toMatch(/^max_queued_messages 1000$/m);
  });

  it("logProblems gives every error and warning line, without timestamps", () => {
    const log = logFixture(import.meta.url, "truncated-db.log");
    expect(logProblems(log)).toBe("Error: Success. Error: Couldn't open database.");
    expect(logProblems("1: mosquitto version 2.0.11 running")).toBeUndefined();
  });

  it("an unknown version is refused, naming the known ones", () => {
    expect(() => mosquittoImageSpec("1.6")).toThrow(/unknown Mosquitto version "1.6"; known versions: 2/);
    expect(mosquittoImageSpec("2")).toMatchObject({
      official: "eclipse-mosquitto:2",
      offline: { debianSuite: "bookworm" },
    });
  });
});

describe("campaign file kinds of a Mosquitto backup", () => {
  it("names the chunk a damaged offset of mosquitto.db lies in, and the other files", async () => {
    expect(partAt(REAL_DB, 0)).toBe("header");
    expect(partAt(REAL_DB, 22)).toBe("header");
    expect(partAt(REAL_DB, 23)).toBe("cfg chunk");
    expect(partAt(REAL_DB, 23 + 8 + 16)).toBe("msg-store chunk");
    expect(partAt(REAL_DB, REAL_DB.length - 1)).toBe("retain chunk");
    expect(partAt(REAL_DB, REAL_DB.length)).toBe("past the last chunk");
    const artifact = await artifactWith(REAL_DB);
    const engine = new MosquittoEngine("2");
    expect(engine.fileKind(artifact, ARTIFACT_DB, 30)).toBe("mosquitto.db cfg chunk");
    expect(engine.fileKind(artifact, ARTIFACT_DB)).toBe("mosquitto.db (whole file)");
    expect(engine.fileKind(artifact, ARTIFACT_CONF)).toBe("mosquitto.conf");
    expect(engine.fileKind(artifact, "data")).toBe("directory data");
  });
});

/** Any image it is asked for is refused: a restore that reaches Docker fails the test. */
class NoImages extends ImageResolver {
  override resolve(): Promise<ResolvedImage> {
    return Promise.reject(new Error("the restore must not reach Docker"));
  }
}

async function noDockerRuntime(): Promise<DrillRuntime> {
  const log = () => undefined;
  return {
    runId: "unit",
    drillId: "unit",
    labels: {},
    images: new NoImages("offline", log),
    clock: new DrillClock(),
    workDir: await makeTempDir(),
    signal: new AbortController().signal,
    log,
  };
}

describe("a Mosquitto restore that cannot go on is the backup's failure, not an error of dr-drill", () => {
  it("a backup without mosquitto.conf fails the restore before any container (campaign: delete-directory config)", async () => {
    const artifact = await artifactWith(REAL_DB);
    await rm(join(artifact.dir, "config"), { recursive: true });
    const r = await new MosquittoEngine("2").restore(artifact, await noDockerRuntime(), {});
    expect(r.node).toBeUndefined();
    expect(r.attempts).toEqual([
      {
        ok: false,
        summary:
          "config/mosquitto.conf is missing from the backup: the documented restore has no configuration to start the broker with",
        durationMs: 0,
      },
    ]);
  });

  it("a broker that listened, then exited, refused the file in its own words", () => {
    expect(exitedAfterStart({ exitCode: 1, logTail: "1: Error: Out of memory.\n" })).toBe(
      "Mosquitto exited with code 1 after it started listening: Error: Out of memory.",
    );
  });
});

describe("where a verify test's damage goes in mosquitto.db", () => {
  it("a flipped byte lands in a queued message's payload, which the file still parses around", async () => {
    const { dir } = await artifactWith(REAL_DB);
    const target = await mosquittoDamageTargets(dir, "flip-byte");
    const queued = scanDb(REAL_DB).messages.filter((m) => !m.retain);
    const hit = queued.find(
      (m) => target!.offset! >= m.payloadOffset && target!.offset! < m.payloadOffset + m.payloadLength,
    );
    expect(hit?.topic).toMatch(/^dr-drill-inbox\//);
    expect(target?.file).toBe(ARTIFACT_DB);
    const flipped = Buffer.from(REAL_DB);
    flipped[target!.offset!] = flipped[target!.offset!]! ^ 0xff;
    expect(scanDb(flipped).problem).toBeUndefined();
    expect(await mosquittoDamageTargets(dir, "truncate")).toBeUndefined();
  });
});

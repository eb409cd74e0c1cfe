import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../harness/checkers/checker.ts";
import { flipBytes } from "../../../harness/faults.ts";
import { CHUNK_VERSION, buildCompletedChunk, buildOngoingChunk, chunkFileName, encodeCheckpoint } from "../formats.ts";
import { inspectDatabase, type InspectOptions } from "../preflight.ts";
import { frame, header, soundBackup, writeCheckpoints, writeIndexMap } from "./datadir.ts";

const AS_IS: InspectOptions = { restoreWritesTruncate: false, targetChunkVersion: CHUNK_VERSION.transformed };

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), "esdb-preflight-"))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

const byName = (results: CheckResult[], name: string) => {
  const found = results.find((r) => r.name === name);
  expect(found, `${name} in ${results.map((r) => r.name).join(", ")}`).toBeDefined();
  return found!;
};
const failed = (results: CheckResult[]) => results.filter((r) => r.valid !== true).map((r) => r.name);

describe("preflight on a database directory built from the formats", () => {
  it("passes a sound backup and verifies every completed chunk's MD5", async () => {
    const log = await soundBackup(dir);
    expect(log.files.length).toBeGreaterThan(3);
    const results = await inspectDatabase(dir, AS_IS);
    expect(failed(results)).toEqual([]);
    expect(byName(results, "preflight:chunk-files").summary).toBe(
      `${log.files.length - 1} completed chunk(s): header, footer and MD5 verified`,
    );
    expect(byName(results, "preflight:log-tail").summary).toMatch(/records end exactly at the writer.*past the writer/);
  });

  it("names a missing truncate.chk, and accepts it when the restore writes it from chaser.chk", async () => {
    const log = await soundBackup(dir, { truncate: "absent" });
    const results = await inspectDatabase(dir, AS_IS);
    expect(failed(results)).toEqual(["preflight:truncate-checkpoint"]);
    expect(byName(results, "preflight:truncate-checkpoint").summary).toBe(
      `truncate.chk missing: the node recreates it as -1 and does not truncate, so it starts at writer ${log.writer} keeping the ${log.writer - log.chaser} byte(s) past chaser ${log.chaser} that were copied while the node wrote`,
    );
    const planned = await inspectDatabase(dir, { ...AS_IS, restoreWritesTruncate: true });
    expect(failed(planned)).toEqual([]);
  });

  it("names a truncate.chk that differs from chaser.chk (-1 as copied from the source, or another position)", async () => {
    await soundBackup(dir, { truncate: -1 });
    expect(byName(await inspectDatabase(dir, AS_IS), "preflight:truncate-checkpoint").summary).toMatch(
      /^truncate\.chk \(-1 \(no truncation\)\) differs from chaser\.chk/,
    );
    await writeFile(join(dir, "truncate.chk"), encodeCheckpoint(100));
    expect(byName(await inspectDatabase(dir, AS_IS), "preflight:truncate-checkpoint").summary).toMatch(
      /^truncate\.chk \(100\) differs .* truncates to 100 instead/,
    );
  });

  it("a missing (or -1) truncate.chk with nothing to truncate is no fault: chaser equals writer", async () => {
    const log = await soundBackup(dir, { lag: 0, truncate: "absent" });
    expect(log.chaser).toBe(log.writer);
    expect(byName(await inspectDatabase(dir, AS_IS), "preflight:truncate-checkpoint")).toMatchObject({
      valid: true,
      summary: `truncate.chk absent (recreated as -1): nothing to truncate, chaser.chk equals writer.chk (${log.writer})`,
    });
    await writeCheckpoints(dir, { truncate: -1 });
    expect(byName(await inspectDatabase(dir, AS_IS), "preflight:truncate-checkpoint")).toMatchObject({
      valid: true,
      summary: `truncate.chk -1: nothing to truncate, chaser.chk equals writer.chk (${log.writer})`,
    });
    expect(
      byName(await inspectDatabase(dir, { ...AS_IS, restoreWritesTruncate: true }), "preflight:truncate-checkpoint"),
    ).toMatchObject({
      valid: true,
      summary: `the restore copies chaser.chk to truncate.chk: nothing to truncate, chaser.chk equals writer.chk (${log.writer})`,
    });
  });

  it("a chaser past the writer is never 'truncates -1 byte(s)': there is nothing to truncate, the node refuses", async () => {
    const log = await soundBackup(dir);
    await writeCheckpoints(dir, { chaser: log.writer + 1, truncate: log.writer + 1 });
    for (const opts of [AS_IS, { ...AS_IS, restoreWritesTruncate: true }]) {
      const check = byName(await inspectDatabase(dir, opts), "preflight:truncate-checkpoint");
      expect(check).toMatchObject({
        valid: false,
        summary: `chaser.chk (${log.writer + 1}) is past writer.chk (${log.writer}): there is no log tail to truncate, and the node refuses to open (ReaderCheckpointHigherThanWriterException)`,
      });
      expect(check.summary).not.toMatch(/-\d+ byte/);
    }
  });

  it("refuses a truncation beyond MaxTruncation", async () => {
    await soundBackup(dir, { lag: 50 });
    const results = await inspectDatabase(dir, { ...AS_IS, maxTruncation: 1000 });
    expect(byName(results, "preflight:truncate-checkpoint").summary).toMatch(/exceeds MaxTruncation \(1000\)/);
  });

  it("fails a chaser above the writer, and a missing writer.chk", async () => {
    const log = await soundBackup(dir);
    await writeCheckpoints(dir, { chaser: log.writer + 8, truncate: log.writer + 8 });
    expect(byName(await inspectDatabase(dir, AS_IS), "preflight:checkpoints").summary).toMatch(
      /chaser\.chk \(\d+\) above writer\.chk.*ReaderCheckpointHigherThanWriterException/,
    );
    await rm(join(dir, "writer.chk"));
    const results = await inspectDatabase(dir, AS_IS);
    expect(byName(results, "preflight:checkpoints").summary).toMatch(/^writer\.chk missing: .*empty database/);
    expect(byName(results, "preflight:chunk-numbering").valid).toBe(false);
  });

  it("refuses a missing chunk below the writer", async () => {
    await soundBackup(dir);
    await rm(join(dir, chunkFileName(1, 0)));
    const results = await inspectDatabase(dir, AS_IS);
    expect(failed(results)).toEqual(["preflight:chunk-numbering"]);
    expect(byName(results, "preflight:chunk-numbering").summary).toMatch(
      /chunk number\(s\) 1 missing up to the writer .*ChunkNotFoundException/,
    );
  });

  it("detects a flipped byte in a completed chunk by its MD5, and a truncated one by its size", async () => {
    await soundBackup(dir);
    await flipBytes(dir, chunkFileName(2, 0), 300);
    let results = await inspectDatabase(dir, AS_IS);
    expect(failed(results)).toEqual(["preflight:chunk-files"]);
    expect(byName(results, "preflight:chunk-files").summary).toMatch(
      /chunk-000002\.000000: MD5 \w+ does not match the footer's/,
    );
    await truncate(join(dir, chunkFileName(0, 0)), 2048);
    results = await inspectDatabase(dir, AS_IS);
    expect(byName(results, "preflight:chunk-files").examples).toEqual(
      expect.arrayContaining([expect.stringMatching(/^chunk-000000\.000000 should be completed/)]),
    );
  });

  it("catches chunks copied before the checkpoints: writer.chk points past the records the copied chunk holds", async () => {
    const log = await soundBackup(dir);
    // The checkpoints were read later than the chunk: they count records the copy does not have.
    await writeCheckpoints(dir, { writer: log.writer + 3 * 200, chaser: log.chaser, truncate: log.chaser });
    const results = await inspectDatabase(dir, AS_IS);
    expect(byName(results, "preflight:log-tail").summary).toMatch(
      /holds whole records only up to local position \d+, but writer\.chk points to \d+: the chunk was copied before the checkpoints/,
    );
  });

  it("names the wrong order too when the writer moved into a chunk the copy does not hold", async () => {
    const log = await soundBackup(dir);
    await writeCheckpoints(dir, { writer: log.files.length * 4096 + 100 });
    const results = await inspectDatabase(dir, AS_IS);
    expect(byName(results, "preflight:log-tail").summary).toMatch(
      /points into chunk \d+, which the copy does not hold: the chunks were copied before the checkpoints/,
    );
    expect(byName(results, "preflight:chunk-numbering").valid).toBe(false);
  });

  it("without truncate.chk, fails an unexpected chunk past the writer, and accepts the single fresh one the server removes", async () => {
    const log = await soundBackup(dir, { truncate: -1 });
    const next = log.files.length;
    await writeFile(
      join(dir, chunkFileName(next, 0)),
      buildOngoingChunk({ header: header(next, 4096, 4), data: Buffer.alloc(0) }),
    );
    expect(byName(await inspectDatabase(dir, AS_IS), "preflight:chunk-numbering")).toMatchObject({
      valid: true,
      summary: expect.stringContaining(`${chunkFileName(next, 0)} removed as excessive`),
    });
    await writeFile(
      join(dir, chunkFileName(next + 1, 0)),
      buildOngoingChunk({ header: header(next + 1, 4096, 4), data: Buffer.alloc(0) }),
    );
    expect(byName(await inspectDatabase(dir, AS_IS), "preflight:chunk-numbering").summary).toMatch(
      /unexpected chunk file\(s\) past the writer: .*chunk-0+\d\.000000 .*ExtraneousFileFoundException/,
    );
  });

  it("refuses chunks a target cannot read (minimum compatible version 4 into 23.10), not identity v4 chunks", async () => {
    await soundBackup(dir);
    const into2310 = { ...AS_IS, targetChunkVersion: CHUNK_VERSION.aligned };
    expect(failed(await inspectDatabase(dir, into2310))).toEqual([]);
    const data = frame(Buffer.from("encrypted"));
    await writeFile(
      join(dir, chunkFileName(0, 0)),
      buildCompletedChunk({ header: header(0, 4096, 4, { minCompatibleVersion: 4, transformType: 1 }), data }),
    );
    expect(byName(await inspectDatabase(dir, into2310), "preflight:chunk-files").summary).toMatch(
      /needs chunk version 4, the target reads up to 3/,
    );
  });
});

describe("preflight on the index: what makes the node rebuild it (warnings, never failures)", () => {
  it("calls a sound index sound, and warns of an index ahead of the chaser, a damaged indexmap and a missing PTable", async () => {
    const log = await soundBackup(dir);
    const index = async () => byName(await inspectDatabase(dir, AS_IS), "preflight:index");
    expect(await index()).toMatchObject({
      valid: true,
      summary: expect.stringMatching(/^index\/indexmap sound: 1 PTable\(s\), commit checkpoint 0 before chaser \d+/),
    });
    await writeIndexMap(dir, log.chaser);
    expect((await index()).summary).toMatch(
      /commit checkpoint \d+ is at or past chaser\.chk \d+: the node logs "ReadIndex is corrupted"/,
    );
    await writeIndexMap(dir);
    await flipBytes(dir, join("index", "indexmap"), 52, 1, 0x01); // the PTable line's index, 0 → 1
    expect((await index()).summary).toMatch(/MD5 does not match/);
    await writeIndexMap(dir);
    await rm(join(dir, "index", "0b9f8a3e-ptable"));
    const missing = await index();
    expect(missing).toMatchObject({
      valid: true,
      summary: expect.stringMatching(/1 PTable file\(s\) it lists are missing \(0b9f8a3e-ptable\)/),
    });
  });
});

describe("preflight on the chunk right after the writer's: the truncator's rule", () => {
  /** A sound backup plus a fresh empty chunk after the writer's chunk, as a copy under load catches. */
  async function withFreshChunk() {
    const log = await soundBackup(dir);
    const next = Math.floor(log.writer / log.chunkSize) + 1;
    await writeFile(
      join(dir, chunkFileName(next, 0)),
      buildOngoingChunk({ header: header(next, log.chunkSize, CHUNK_VERSION.transformed), data: Buffer.alloc(0) }),
    );
    return chunkFileName(next, 0);
  }

  it("refuses it when the restore writes truncate.chk: TFChunkDbTruncator finds excessive TFChunks", async () => {
    const fresh = await withFreshChunk();
    const numbering = byName(
      await inspectDatabase(dir, { ...AS_IS, restoreWritesTruncate: true }),
      "preflight:chunk-numbering",
    );
    expect(numbering.valid).toBe(false);
    expect(numbering.summary).toContain(`${fresh} past the writer's chunk`);
    expect(numbering.summary).toMatch(/excessive TFChunks were found/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ArtifactChecksumMismatch, ArtifactInputError } from "../../harness/artifact-source/index.ts";
import { resolveS3 } from "../../harness/artifact-source/s3.ts";
import { startSeaweedS3, type SeaweedS3 } from "./seaweedfs.ts";
import { makeTempDir } from "./support.ts";

// A real S3-compatible server (SeaweedFS), not a mock: started once for this file, stopped after it.
let s3: SeaweedS3;
beforeAll(async () => {
  s3 = await startSeaweedS3();
  await s3.bucket("backups");
  await s3.bucket("empty");
}, 120_000);
afterAll(async () => s3?.stop(), 30_000);

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const put = (key: string, body: Buffer | string, bucket = "backups") =>
  s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
const opts = async () => ({ newest: false, into: await makeTempDir("dr-drill-s3-into-") });

describe("S3 artifacts against a real S3-compatible server (SeaweedFS)", () => {
  it("downloads an object by key, streaming with progress, hashed, with its Last-Modified", async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    await put("pg/2026-12-07.dump", body);
    const seen: [number, number | null][] = [];
    const o = await opts();
    const got = await resolveS3(
      "s3://backups/pg/2026-12-07.dump",
      { ...o, onProgress: (b, t) => seen.push([b, t]) },
      s3.env,
    );
    expect(got.path).toBe(join(o.into, "2026-12-07.dump"));
    expect(got.sha256).toBe(sha(body));
    expect(got.bytes).toBe(body.length);
    expect(sha(await readFile(got.path))).toBe(sha(body));
    expect(Math.abs(got.modifiedAt!.getTime() - Date.now())).toBeLessThan(120_000);
    expect(got.origin).toBe(`s3://backups/pg/2026-12-07.dump at ${s3.endpoint} (no 2026-12-07.dump.sha256 beside it)`);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toEqual([body.length, body.length]);
    expect(await readdir(o.into)).toEqual(["2026-12-07.dump"]);
  });

  it("checks the object against <key>.sha256 beside it, and refuses a mismatch naming both digests", async () => {
    await put("checked/good.tar", "good bytes");
    await put("checked/good.tar.sha256", `${sha("good bytes")}  good.tar\n`);
    const good = await resolveS3("s3://backups/checked/good.tar", await opts(), s3.env);
    expect(good.origin).toContain("checked against s3://backups/checked/good.tar.sha256");

    await put("checked/bad.tar", "damaged bytes");
    await put("checked/bad.tar.sha256", `${sha("original bytes")}  bad.tar\n`);
    const o = await opts();
    const refused = resolveS3("s3://backups/checked/bad.tar", o, s3.env);
    await expect(refused).rejects.toThrow(ArtifactChecksumMismatch);
    await expect(refused).rejects.toThrow(
      `its SHA-256 is ${sha("damaged bytes")} but s3://backups/checked/bad.tar.sha256 says ${sha("original bytes")}`,
    );
    // Nothing of a refused download is left to be used by mistake.
    expect(await readdir(o.into)).toEqual([]);
  });

  it("--newest takes the most recently written object under a prefix, not the last name nor a checksum", async () => {
    await put("nightly/b-older.dump", "older");
    // S3 times have one-second resolution: the newer object is written in a later second.
    await new Promise((r) => setTimeout(r, 1_100));
    await put("nightly/a-newer.dump", "newer");
    await put("nightly/a-newer.dump.sha256", sha("newer"));
    await put("elsewhere/z-newest.dump", "not under the prefix");
    const got = await resolveS3("s3://backups/nightly/", { ...(await opts()), newest: true }, s3.env);
    expect(await readFile(got.path, "utf8")).toBe("newer");
    expect(got.origin).toContain("s3://backups/nightly/a-newer.dump");
    expect(got.origin).toContain("checked against");
  });

  it("says what to do: a missing key, a missing bucket, an empty prefix, a prefix without --newest, bad credentials", async () => {
    const o = await opts();
    const refusal = (spec: string, newest = false, env: NodeJS.ProcessEnv = s3.env) =>
      resolveS3(spec, { ...o, newest }, env);
    await expect(refusal("s3://backups/pg/nope.dump")).rejects.toThrow(ArtifactInputError);
    await expect(refusal("s3://backups/pg/nope.dump")).rejects.toThrow(
      `--artifact s3://backups/pg/nope.dump: no object with the key "pg/nope.dump" in bucket backups at ${s3.endpoint}`,
    );
    await expect(refusal("s3://no-such-bucket/x.dump")).rejects.toThrow(/no bucket named no-such-bucket/);
    await expect(refusal("s3://empty/nightly/", true)).rejects.toThrow(
      /--artifact s3:\/\/empty\/nightly\/: no object under the prefix "nightly\/" in bucket empty/,
    );
    await expect(refusal("s3://backups/nightly/")).rejects.toThrow(/names a prefix, not an object: add --newest/);
    await expect(
      refusal("s3://backups/pg/2026-12-07.dump", false, { ...s3.env, AWS_SECRET_ACCESS_KEY: "wrong-secret" }),
    ).rejects.toThrow(/the server refused the credentials .*check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it("without credentials anywhere, says which variables to set", async () => {
    const saved = { ...process.env };
    // The SDK's own chain reads these: none may find a key on this machine (no profile file, no instance role).
    for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
    Object.assign(process.env, {
      AWS_CONFIG_FILE: "/nonexistent",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
      AWS_EC2_METADATA_DISABLED: "true",
    });
    try {
      await expect(
        resolveS3("s3://backups/pg/2026-12-07.dump", await opts(), { AWS_ENDPOINT_URL_S3: s3.endpoint }),
      ).rejects.toThrow(/no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });
});

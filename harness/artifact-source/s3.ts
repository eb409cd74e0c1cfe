import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createHash } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { statedSha256 } from "./digest.ts";
import { ArtifactChecksumMismatch, ArtifactInputError } from "./errors.ts";
import { parseS3Spec, s3Endpoint, type S3Location } from "./s3-location.ts";
import type { ResolveOptions, ResolvedArtifact } from "./types.ts";

const CHECKSUM_SUFFIX = ".sha256";

/**
 * An object of an S3 (or S3-compatible) bucket, downloaded into `opts.into` as it streams, hashed on the way, and
 * checked against `<key>.sha256` when that object exists. The AWS SDK is loaded here only, when an s3:// artifact is
 * asked for: the CLI starts without it.
 */
export async function resolveS3(
  spec: string,
  opts: ResolveOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedArtifact> {
  const location = parseS3Spec(spec);
  const endpoint = s3Endpoint(env);
  const sdk = await import("@aws-sdk/client-s3");
  const client = new sdk.S3Client({
    // An S3-compatible server ignores the region but the signature needs one.
    ...(env.AWS_REGION || env.AWS_DEFAULT_REGION || endpoint
      ? { region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1" }
      : {}),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    // Keys in the environment given; else the SDK's own chain (AWS_PROFILE, web identity, the instance's role).
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
    // Checksums only where S3 requires them: S3-compatible servers do not all know the newer CRC ones.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const where = endpoint ? ` at ${endpoint}` : "";
  try {
    const key = await objectKey(client, sdk, spec, location, opts.newest);
    return await download(client, sdk, { bucket: location.bucket, key }, opts, where);
  } catch (err) {
    throw explain(err, spec, location, where);
  } finally {
    client.destroy();
  }
}

type Sdk = typeof import("@aws-sdk/client-s3");

async function objectKey(client: S3Client, sdk: Sdk, spec: string, at: S3Location, newest: boolean): Promise<string> {
  if (!newest) {
    if (at.key === "" || at.key.endsWith("/"))
      throw new ArtifactInputError(
        spec,
        "names a prefix, not an object: add --newest to verify the newest object under it, or give the object's key",
      );
    return at.key;
  }
  let best: { key: string; at: number } | null = null;
  for await (const page of sdk.paginateListObjectsV2({ client }, { Bucket: at.bucket, Prefix: at.key })) {
    for (const o of page.Contents ?? []) {
      if (!o.Key || o.Key.endsWith("/") || o.Key.endsWith(CHECKSUM_SUFFIX)) continue;
      const t = o.LastModified?.getTime() ?? 0;
      // Ties broken by key: the later name wins, as timestamped names sort.
      if (!best || t > best.at || (t === best.at && o.Key > best.key)) best = { key: o.Key, at: t };
    }
  }
  if (!best)
    throw new ArtifactInputError(
      spec,
      `no object under the prefix "${at.key}" in bucket ${at.bucket} (checksum files aside): nothing to verify; check the prefix and that the backup job uploaded`,
    );
  return best.key;
}

async function download(
  client: S3Client,
  sdk: Sdk,
  at: S3Location,
  opts: ResolveOptions,
  where: string,
): Promise<ResolvedArtifact> {
  const url = `s3://${at.bucket}/${at.key}`;
  const object = await client.send(new sdk.GetObjectCommand({ Bucket: at.bucket, Key: at.key }));
  if (!(object.Body instanceof Readable)) throw new Error(`${url}: the S3 client returned no Node.js stream`);
  await mkdir(opts.into, { recursive: true });
  const path = join(opts.into, basename(at.key));
  const partial = `${path}.part`;
  const total = object.ContentLength ?? null;
  const hash = createHash("sha256");
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      opts.onProgress?.(bytes, total);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(object.Body, tap, createWriteStream(partial));
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  const sha256 = hash.digest("hex");
  const expected = await checksumBeside(client, sdk, at);
  if (expected?.sha256 && expected.sha256 !== sha256) {
    await rm(partial, { force: true });
    throw new ArtifactChecksumMismatch(url, expected.sha256, sha256, `${url}${CHECKSUM_SUFFIX}`);
  }
  if (expected && !expected.sha256) {
    await rm(partial, { force: true });
    throw new ArtifactInputError(url, `${url}${CHECKSUM_SUFFIX} holds no SHA-256 (64 hex digits)`);
  }
  await rename(partial, path);
  const checked = expected
    ? `checked against ${url}${CHECKSUM_SUFFIX}`
    : `no ${basename(at.key)}${CHECKSUM_SUFFIX} beside it`;
  return { path, sha256, bytes, modifiedAt: object.LastModified ?? null, origin: `${url}${where} (${checked})` };
}

/** The digest `<key>.sha256` states; null when there is no such object. */
async function checksumBeside(client: S3Client, sdk: Sdk, at: S3Location): Promise<{ sha256: string | null } | null> {
  try {
    const object = await client.send(new sdk.GetObjectCommand({ Bucket: at.bucket, Key: at.key + CHECKSUM_SUFFIX }));
    return { sha256: statedSha256((await object.Body?.transformToString("utf8")) ?? "") };
  } catch (err) {
    if (err instanceof sdk.NoSuchKey || errorName(err) === "NotFound") return null;
    throw err;
  }
}

const errorName = (err: unknown) => (err instanceof Error ? err.name : "");

/** The SDK's errors in words that say what to do; anything else (a bug, a broken connection mid-way) as it is. */
function explain(err: unknown, spec: string, at: S3Location, where: string): unknown {
  if (err instanceof ArtifactInputError || err instanceof ArtifactChecksumMismatch) return err;
  const name = errorName(err);
  const message = err instanceof Error ? err.message : String(err);
  const problem = (text: string) => new ArtifactInputError(spec, text);
  if (name === "CredentialsProviderError" || /Could not load credentials/.test(message))
    return problem(
      "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or run where an IAM role is available)",
    );
  if (/Region is missing/i.test(message))
    return problem("no AWS region: set AWS_REGION (or AWS_ENDPOINT_URL_S3 for an S3-compatible server)");
  if (name === "NoSuchBucket")
    return problem(`no bucket named ${at.bucket}${where}: check the bucket name and AWS_REGION / AWS_ENDPOINT_URL_S3`);
  if (name === "NoSuchKey" || name === "NotFound")
    return problem(
      `no object with the key "${at.key}" in bucket ${at.bucket}${where}: check the key, or give the prefix with --newest`,
    );
  if (name === "InvalidAccessKeyId" || name === "SignatureDoesNotMatch")
    return problem(`the server refused the credentials (${name}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
  if (name === "AccessDenied" || name === "Forbidden")
    return problem(
      `access denied${where}: the credentials need s3:GetObject (and s3:ListBucket for --newest) on ${at.bucket}`,
    );
  const code = err instanceof Error && "code" in err ? String(err.code) : "";
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN")
    return problem(
      `cannot reach the S3 endpoint${where || " (AWS)"} (${code}): check AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL and the network`,
    );
  return err;
}

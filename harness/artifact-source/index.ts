import { resolveLocal } from "./local.ts";
import { isS3Spec } from "./s3-location.ts";
import type { ResolveOptions, ResolvedArtifact } from "./types.ts";

export type { ResolveOptions, ResolvedArtifact } from "./types.ts";
export { ArtifactChecksumMismatch, ArtifactInputError } from "./errors.ts";

/**
 * The artifact a user names (`--artifact`): a local file, a local directory (its sha256 is that of its manifest,
 * harness/artifact-source/digest.ts), `s3://bucket/key`, or with `newest` the newest entry of a local directory or
 * object under `s3://bucket/prefix/`. An S3 object is downloaded into `opts.into`; a local one is used where it is.
 * Throws ArtifactInputError (what to do) when it cannot be had, ArtifactChecksumMismatch when a `.sha256` beside it disagrees.
 */
export async function resolveArtifact(spec: string, opts: ResolveOptions): Promise<ResolvedArtifact> {
  if (isS3Spec(spec)) return (await import("./s3.ts")).resolveS3(spec, opts);
  return resolveLocal(spec, opts.newest);
}

import { ArtifactInputError } from "./errors.ts";

export interface S3Location {
  bucket: string;
  /** The object key, or the prefix (possibly empty) when the spec ends with `/` or `--newest` is given. */
  key: string;
}

export const isS3Spec = (spec: string) => spec.startsWith("s3://");

/** `s3://bucket/key`, `s3://bucket/prefix/`, `s3://bucket` (the whole bucket, with --newest). */
export function parseS3Spec(spec: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(spec);
  if (!m) throw new ArtifactInputError(spec, "not an S3 URL; write s3://bucket/key or s3://bucket/prefix/");
  return { bucket: m[1]!, key: m[2] ?? "" };
}

/** Where the client connects, from the standard AWS variables: AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL; null: AWS. */
export function s3Endpoint(env: NodeJS.ProcessEnv): string | null {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || null;
}

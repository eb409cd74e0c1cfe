/** An artifact resolved to a path on this machine, with what identifies it. */
export interface ResolvedArtifact {
  /** A local file or directory: the user's own, or the download under `into`. */
  path: string;
  /** SHA-256 (hex) of the file, or of a directory's manifest (docs/usage.md, "Artifacts"). */
  sha256: string;
  /** Size of the file, or the total of a directory's files. */
  bytes: number;
  /** When the artifact was last written (the object's Last-Modified, the newest file's mtime); null when unknown. */
  modifiedAt: Date | null;
  /** Where it came from, in words: the path, or the s3:// URL with the endpoint and whether a .sha256 was checked. */
  origin: string;
}

export interface ResolveOptions {
  /** Pick the newest object under an `s3://bucket/prefix/`, or the newest entry of a local directory. */
  newest: boolean;
  /** A directory that downloads are written into. */
  into: string;
  /** Called as a download proceeds; `total` null when the server did not say the size. */
  onProgress?: (bytes: number, total: number | null) => void;
}

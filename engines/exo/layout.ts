import { posix } from "node:path";

/**
 * Where eXo keeps its files, as the platform lays them out under `$PLATFORM_TOMCAT_HOME/gatein`
 * (docs/engines/exo.md, "The vendor's backup guide"):
 * `data/files` (the file storage), `data/jcr/{values,index,swap}`, `data/jta`, and `conf/codec/codeckey.txt`.
 * The volume holding them is mounted at GATEIN in the tier's data container.
 */
export const GATEIN = "/opt/exo/gatein";
export const DATA_DIR = `${GATEIN}/data`;
export const CODEC_DIR = `${GATEIN}/conf/codec`;
/** GateIn's CodecInitializer reads (and, when missing, silently re-creates) this file: `gatein.conf.dir` + `/codec/codeckey.txt`. */
export const CODEC_FILE = "codeckey.txt";

/** The JCR value storage of the collaboration workspace (its id is what JCR_SVALUE.STORAGE_DESC holds). */
export const VALUE_STORAGE_ID = "collaboration";
export const DATA_SUBDIRS = [
  "files",
  `jcr/values/${VALUE_STORAGE_ID}`,
  "jcr/index/collaboration",
  "jcr/swap/collaboration",
  "jta",
];

/**
 * eXo JCR's tree value storage: the first 8 characters of the id each make one directory level, the rest is appended
 * to the last one (exoplatform/jcr, exo.jcr.component.core/.../storage/value/fs/TreeFileIOChannel.java, `buildPathX8`).
 */
export function buildPathX8(id: string): string {
  if (id.length < 8) throw new Error(`a tree value storage id has at least 8 characters, got "${id}"`);
  return [...id.slice(0, 8)].join("/") + id.slice(8);
}

/** A JCR binary value stored as a file: `<storage root>/<buildPathX8(propertyId)>/<propertyId><orderNumber>` (TreeFileIOChannel.makeFilePath). */
export function jcrValueFile(propertyId: string, orderNumber: number): string {
  return posix.join("jcr/values", VALUE_STORAGE_ID, buildPathX8(propertyId), `${propertyId}${orderNumber}`);
}

/** A file of eXo's file storage (commons, org.exoplatform.commons.file.fileSystem.TreeFileIOChannel): named by its checksum. */
export function storedFile(checksum: string): string {
  return posix.join("files", buildPathX8(checksum), checksum);
}

/** The inverse of jcrValueFile, for the check that every value file has its row. */
export function parseJcrValueFile(rel: string): { propertyId: string; orderNumber: number } | undefined {
  const prefix = `jcr/values/${VALUE_STORAGE_ID}/`;
  if (!rel.startsWith(prefix)) return undefined;
  const name = posix.basename(rel);
  const m = /^([0-9a-f]{32})(\d+)$/.exec(name);
  if (!m || jcrValueFile(m[1]!, Number(m[2])) !== rel) return undefined;
  return { propertyId: m[1]!, orderNumber: Number(m[2]) };
}

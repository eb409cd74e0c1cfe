/**
 * A table's `_txn` file, read as QuestDB's TxReader reads it (questdb core, cairo/TableUtils.java and
 * recovery/BoundedTxnReader.java), little-endian: a 64-byte header whose version's low bit picks the A or the B
 * slot (record offset, symbol segment size, partition segment size), then the record: txn, transient row count (the
 * rows of the last partition), fixed row count, …, at 128 the symbol writer count, 8 bytes per symbol, a 4-byte
 * partition segment size, and 4 longs per partition: its lowest timestamp, its row count (the low 44 bits; the high
 * bits are flags), its name txn (the directory's `.N` suffix, -1 for none) and its Parquet size.
 */
export interface TxnPartition {
  /** Lowest timestamp of the partition, microseconds since the epoch: what names its directory. */
  timestampMicros: number;
  rows: number;
  nameTxn: number;
}

const HEADER_BYTES = 64;
const MAP_WRITER_COUNT_AT = 128;
const PARTITION_ENTRY_BYTES = 32;
const ROW_COUNT_MASK = (1n << 44n) - 1n;

export function txnPartitions(buf: Buffer): TxnPartition[] {
  if (buf.length < HEADER_BYTES)
    throw new Error(`_txn has ${buf.length} bytes, less than its ${HEADER_BYTES}-byte header`);
  const slotB = (buf.readBigInt64LE(0) & 1n) === 1n;
  const base = buf.readInt32LE(slotB ? 32 : 8);
  const symbolsBytes = buf.readInt32LE(slotB ? 36 : 12);
  const partitionsBytes = buf.readInt32LE(slotB ? 40 : 16);
  const first = base + MAP_WRITER_COUNT_AT + 4 + symbolsBytes + 4;
  const count = Math.floor(partitionsBytes / PARTITION_ENTRY_BYTES);
  if (first + count * PARTITION_ENTRY_BYTES > buf.length)
    throw new Error(`_txn declares ${count} partitions past its end (${buf.length} bytes)`);
  const transientRows = Number(buf.readBigInt64LE(base + 8));
  return Array.from({ length: count }, (_, i) => {
    const at = first + i * PARTITION_ENTRY_BYTES;
    const listed = Number(buf.readBigInt64LE(at + 8) & ROW_COUNT_MASK);
    return {
      timestampMicros: Number(buf.readBigInt64LE(at)),
      // The last partition's rows are the transient row count: its entry may lag behind.
      rows: i === count - 1 ? transientRows : listed,
      nameTxn: Number(buf.readBigInt64LE(at + 16)),
    };
  });
}

/** The directory of a partition: `2024-01-05` (DAY) or `2024-01-05T13` (HOUR), with `.N` for a name txn N ≥ 0. */
export function partitionDirName(p: TxnPartition, partitionBy: "DAY" | "HOUR"): string {
  const iso = new Date(Math.floor(p.timestampMicros / 1000)).toISOString();
  const name = partitionBy === "DAY" ? iso.slice(0, 10) : iso.slice(0, 13);
  return p.nameTxn >= 0 ? `${name}.${p.nameTxn}` : name;
}

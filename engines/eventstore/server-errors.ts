/**
 * What a node logs when it cannot serve its data: a fatal line (`…,FTL]`), a corrupted index or chunk, a missing or
 * extraneous chunk file. Not the truncation lines of a restore that asked for one.
 */
export const SERVER_ERRORS =
  /,FTL\]|ReadIndex is corrupted|Verification of chunk .* failed|CorruptDatabaseException|ChunkNotFoundException|ExtraneousFileFoundException|ReaderCheckpointHigherThanWriterException/;

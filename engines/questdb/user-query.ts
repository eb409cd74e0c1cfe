import { InputError } from "../../harness/errors.ts";
import { engineErrors } from "../../protocols/pg/errors.ts";
import { rowsAsText, type ArrayQueryClient } from "../../protocols/pg/rows.ts";

/** The statements that only read: QuestDB takes no read-only transaction to hold a check to it. */
const READS = /^(select|with|show|explain)\b/i;
const WRITES =
  /\b(insert|update|delete|drop|truncate|alter|create|rename|copy|vacuum|reindex|checkpoint|snapshot|backup)\b/i;

/**
 * A user's SQL for `verify --checks` over the PostgreSQL wire. QuestDB has no read-only transaction (PostgreSQL's
 * checks run in one), so a check must be one statement that reads: SELECT, WITH, SHOW or EXPLAIN, with no keyword
 * that writes anywhere in it (a `WITH … INSERT`, a second statement). Anything else is refused as input, before the
 * server sees it: a check must not change what the next one reads.
 */
export async function readQuery(client: ArrayQueryClient, text: string): Promise<string[][]> {
  const statement = text.trim().replace(/;\s*$/, "");
  if (!READS.test(statement) || WRITES.test(statement) || statement.includes(";"))
    throw new InputError(
      `--checks: QuestDB checks run one statement that reads (SELECT, WITH, SHOW or EXPLAIN, no INSERT, UPDATE, DROP… in it): ${statement.slice(0, 120)}`,
    );
  return engineErrors(() => rowsAsText(client, statement));
}

import type { CheckResult } from "../../harness/checkers/checker.ts";
import { ACCOUNTS } from "./model.ts";

/** One row of ACCOUNT_FLOWS (cypher.ts): an account's uid and balance, and the sums of its TRANSFERs in and out. */
export interface AccountRow {
  get(key: "uid" | "balance" | "ins" | "outs"): unknown;
}

/**
 * The accounts' total is what they opened with, and each balance equals its opening plus the TRANSFERs in and out.
 * An account served without a balance (its property lost with a damaged property store) breaks both: it is named, never
 * a crash of ours.
 */
export function accountInvariants(rows: AccountRow[]): CheckResult[] {
  let total = 0n;
  const drift: string[] = [];
  const noBalance: string[] = [];
  for (const r of rows) {
    const raw = r.get("balance");
    if (raw === null || raw === undefined) {
      noBalance.push(`node/${String(r.get("uid"))}: no balance`);
      continue;
    }
    const balance = BigInt(String(raw));
    const expected =
      BigInt(ACCOUNTS.initialBalance) + BigInt(String(r.get("ins") ?? 0)) - BigInt(String(r.get("outs") ?? 0));
    total += balance;
    if (balance !== expected)
      drift.push(`node/${String(r.get("uid"))}: balance ${balance}, its transfers say ${expected}`);
  }
  const opened = BigInt(ACCOUNTS.count * ACCOUNTS.initialBalance);
  const balanced = rows.length === ACCOUNTS.count && total === opened && noBalance.length === 0;
  const without = noBalance.length ? `, ${noBalance.length} account(s) without a balance` : "";
  return [
    {
      name: "invariant:total-balance",
      valid: balanced,
      summary: balanced
        ? `${rows.length} accounts, total balance ${total} as opened`
        : `total balance ${total} over ${rows.length} accounts${without}, expected ${opened} over ${ACCOUNTS.count}`,
      ...(noBalance.length ? { examples: noBalance.slice(0, 20) } : {}),
    },
    {
      name: "invariant:transfers-atomic",
      valid: drift.length === 0 && noBalance.length === 0,
      summary:
        drift.length === 0 && noBalance.length === 0
          ? "every balance matches its restored TRANSFER relationships"
          : drift.length
            ? `${drift.length} account(s) disagree with their TRANSFER relationships: a transaction was cut in half${without}`
            : `every balance served matches its TRANSFER relationships${without}`,
      examples: [...drift, ...noBalance].slice(0, 20),
    },
  ];
}

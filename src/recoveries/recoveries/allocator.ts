/**
 * 返还分配: how a recovery is split among the victims whose money went into the account, after
 * the 2016 rules on returning frozen funds (Art. 8). Pure and exact: BigInt arithmetic on whole fen.
 *
 * - one victim's money went in: all of it to that victim (`single_victim`);
 * - the money covers every victim's traced deposit: each gets back exactly what they paid in, so
 *   every deposit is traced to its owner and nothing is shared (`traced_transfer`);
 * - otherwise the deposits compete for too little money and cannot be told apart: pro rata to each
 *   victim's traced loss (`pro_rata`), in whole fen by the largest-remainder method, after a public
 *   notice (公示).
 *
 * Never more than a victim's cap (the loss not yet returned); Σ parts ≤ the amount. The result does
 * not depend on the order the victims are given in.
 */

export type AllocationMethod = 'single_victim' | 'traced_transfer' | 'pro_rata';

export interface AllocationClaim {
  victimId: string;
  /** What the victim's traced transfers put into this account, in fen. */
  tracedFen: number;
  /** The victim's loss not yet returned, in fen: no part may pass it. */
  capFen: number;
}

export interface AllocationPart {
  victimId: string;
  amountFen: number;
}

export interface AllocationPlan {
  method: AllocationMethod;
  /** Σ parts: min(amount, what the victims may still receive). */
  totalFen: number;
  /** Sorted by victim id; victims who get nothing are left out. */
  parts: AllocationPart[];
}

const cmpId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function check(amountFen: number, claims: AllocationClaim[]): void {
  if (!Number.isSafeInteger(amountFen) || amountFen < 0)
    throw new RangeError('amountFen must be a whole number of fen ≥ 0');
  const seen = new Set<string>();
  for (const c of claims) {
    if (seen.has(c.victimId)) throw new RangeError(`victim ${c.victimId} is named twice`);
    seen.add(c.victimId);
    for (const v of [c.tracedFen, c.capFen])
      if (!Number.isSafeInteger(v) || v < 0)
        throw new RangeError('tracedFen and capFen must be whole numbers of fen ≥ 0');
  }
}

/**
 * Splits `total` pro rata to `weights` with caps, exactly: victims whose share would pass their cap
 * get the cap and drop out (repeatedly), the rest share what is left; each share is rounded down and
 * the fen left over go one each to the largest remainders (ties: larger weight, then smaller id).
 * Requires total ≤ Σ caps.
 */
function proRata(
  total: bigint,
  claims: { id: string; weight: bigint; cap: bigint }[],
): Map<string, bigint> {
  const out = new Map<string, bigint>();
  let open = claims.slice();
  let left = total;
  for (;;) {
    const w = open.reduce((s, c) => s + c.weight, 0n);
    if (open.length === 0 || w === 0n) break;
    // A share reaching its cap: left * weight / w ≥ cap.
    const capped = open.filter((c) => left * c.weight >= c.cap * w);
    if (capped.length === 0) {
      const shares = open.map((c) => ({
        c,
        floor: (left * c.weight) / w,
        rem: (left * c.weight) % w,
      }));
      let given = shares.reduce((s, x) => s + x.floor, 0n);
      for (const x of shares) out.set(x.c.id, x.floor);
      shares.sort((a, b) =>
        a.rem !== b.rem
          ? a.rem > b.rem
            ? -1
            : 1
          : a.c.weight !== b.c.weight
            ? a.c.weight > b.c.weight
              ? -1
              : 1
            : cmpId(a.c.id, b.c.id),
      );
      for (const x of shares) {
        if (given >= left) break;
        out.set(x.c.id, x.floor + 1n);
        given += 1n;
      }
      break;
    }
    for (const c of capped) {
      out.set(c.id, c.cap);
      left -= c.cap;
    }
    const ids = new Set(capped.map((c) => c.id));
    open = open.filter((c) => !ids.has(c.id));
  }
  return out;
}

/** The split of `amountFen` among the claims (see the module comment). */
export function allocate(amountFen: number, claims: AllocationClaim[]): AllocationPlan {
  check(amountFen, claims);
  const eligible = claims
    .filter((c) => c.tracedFen > 0 && c.capFen > 0)
    .sort((a, b) => cmpId(a.victimId, b.victimId));
  const amount = BigInt(amountFen);
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  const finish = (method: AllocationMethod, shares: Map<string, bigint>): AllocationPlan => {
    const parts = eligible
      .map((c) => ({ victimId: c.victimId, amountFen: Number(shares.get(c.victimId) ?? 0n) }))
      .filter((p) => p.amountFen > 0);
    return { method, totalFen: parts.reduce((s, p) => s + p.amountFen, 0), parts };
  };
  if (eligible.length <= 1) {
    const c = eligible[0];
    const shares = new Map<string, bigint>();
    if (c) shares.set(c.victimId, min(amount, BigInt(c.capFen)));
    return finish('single_victim', shares);
  }
  const deposits = eligible.map((c) => min(BigInt(c.tracedFen), BigInt(c.capFen)));
  const owed = deposits.reduce((s, d) => s + d, 0n);
  if (owed <= amount) {
    return finish('traced_transfer', new Map(eligible.map((c, i) => [c.victimId, deposits[i]])));
  }
  const capsTotal = eligible.reduce((s, c) => s + BigInt(c.capFen), 0n);
  return finish(
    'pro_rata',
    proRata(
      min(amount, capsTotal),
      eligible.map((c) => ({
        id: c.victimId,
        weight: BigInt(c.tracedFen),
        cap: BigInt(c.capFen),
      })),
    ),
  );
}

/** Whether a split needs the public notice (公示) before it may be confirmed. */
export const needsNotice = (method: AllocationMethod): boolean => method === 'pro_rata';

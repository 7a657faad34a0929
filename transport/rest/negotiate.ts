// HTTP content negotiation that reads Accept properly: comma-separated ranges, parameters,
// q-values (q=0 refuses), and specificity (type/subtype beats type/* beats */*).

interface Range {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parseAccept(header: string): Range[] {
  const out: Range[] = [];
  for (const part of header.split(",")) {
    const [media, ...params] = part.trim().split(";");
    const [type, subtype] = media.trim().toLowerCase().split("/");
    if (!type || !subtype) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split("=");
      if (k?.trim().toLowerCase() === "q") {
        const n = Number(v);
        q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 1;
      }
    }
    out.push({ type, subtype, q });
  }
  return out;
}

// The q-value the ranges give `offer`, from the most specific matching range.
function quality(ranges: readonly Range[], offer: string): number {
  const [type, subtype] = offer.split("/");
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    const specificity = r.type === type && r.subtype === subtype
      ? 2
      : r.type === type && r.subtype === "*"
      ? 1
      : r.type === "*" && r.subtype === "*"
      ? 0
      : -1;
    if (specificity > best) {
      best = specificity;
      q = r.q;
    }
  }
  return best < 0 ? 0 : q;
}

/**
 * The offered media type the client prefers (ties go to the earlier offer), `offers[0]` when
 * there is no Accept header, or `undefined` when the client accepts none of them.
 */
export function negotiate(accept: string | null, offers: readonly string[]): string | undefined {
  if (accept === null || accept.trim() === "") return offers[0];
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return offers[0];
  let chosen: string | undefined;
  let best = 0;
  for (const offer of offers) {
    const q = quality(ranges, offer);
    if (q > best) {
      best = q;
      chosen = offer;
    }
  }
  return chosen;
}

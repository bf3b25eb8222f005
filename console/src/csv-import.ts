/**
 * A CSV import sent in slices, so a long file shows its progress and no request nears the API's
 * limits: the header goes with every slice, records are split between lines only (never inside a
 * quoted field), and the line numbers the API reports in a slice are mapped back to the file's.
 */
export interface CsvSlice {
  /** The header and this slice's records, as sent. */
  readonly body: string;
  readonly records: number;
  /** The file line of each line of `body` (index 0 is the header's). */
  readonly fileLines: readonly number[];
}

/** The file cut into slices of at most `perSlice` records each; blank lines are left out. */
export function csvSlices(text: string, perSlice = 200): CsvSlice[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  // Records: runs of physical lines, joined while a quote is open.
  const records: { text: string[]; lines: number[] }[] = [];
  let open: { text: string[]; lines: number[] } | undefined;
  let quoted = false;
  lines.forEach((line, i) => {
    if (!open && !line.trim()) return;
    open ??= { text: [], lines: [] };
    open.text.push(line);
    open.lines.push(i + 1);
    for (const ch of line) if (ch === '"') quoted = !quoted;
    if (!quoted) {
      records.push(open);
      open = undefined;
    }
  });
  if (open) records.push(open);
  const [header, ...rows] = records;
  if (!header) return [];
  const slices: CsvSlice[] = [];
  for (let at = 0; at < rows.length; at += perSlice) {
    const part = rows.slice(at, at + perSlice);
    slices.push({
      body: `${[header, ...part].map((r) => r.text.join('\n')).join('\n')}\n`,
      records: part.length,
      fileLines: [header, ...part].flatMap((r) => r.lines),
    });
  }
  return slices;
}

/** The file line of a line the API named in a slice's body (1-based, as the API counts). */
export const fileLineOf = (slice: CsvSlice, bodyLine: number): number => slice.fileLines[bodyLine - 1] ?? bodyLine;

/** What a whole import did, added up over its slices. */
export interface ImportTotals {
  accepted: number;
  created: number;
  updated: number;
  rejected: { line: number; reason: string }[];
}

export interface ImportAnswer {
  readonly accepted: number;
  readonly created: number;
  readonly updated: number;
  readonly rejected: readonly { readonly line: number; readonly reason: string }[];
}

/** Adds one slice's answer to the totals, its rejected lines renumbered as the file's. */
export function addSlice(totals: ImportTotals, slice: CsvSlice, answer: ImportAnswer): ImportTotals {
  return {
    accepted: totals.accepted + answer.accepted,
    created: totals.created + answer.created,
    updated: totals.updated + answer.updated,
    rejected: [...totals.rejected, ...answer.rejected.map((r) => ({ line: fileLineOf(slice, r.line), reason: r.reason }))],
  };
}

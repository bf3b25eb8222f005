/**
 * A small RFC 4180 CSV reader: quoted fields may hold commas, doubled quotes and line breaks.
 * Every row carries the 1-based line where it starts in the file, so operators get line numbers
 * that match their editor. Blank lines and lines starting with '#' are skipped, not reported.
 */
export interface CsvRow {
  /** 1-based line where the row starts. */
  readonly line: number;
  readonly fields: string[];
}

export interface CsvError {
  readonly line: number;
  readonly reason: string;
}

export interface CsvParse {
  readonly rows: CsvRow[];
  readonly errors: CsvError[];
}

export function parseCsv(input: string): CsvParse {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input; // byte-order mark
  const rows: CsvRow[] = [];
  const errors: CsvError[] = [];
  let i = 0;
  let line = 1;

  /** Consumes one line break at i (\r\n, \n or \r), if there is one. */
  const lineBreak = (): boolean => {
    if (text[i] === '\r') {
      i += text[i + 1] === '\n' ? 2 : 1;
      line++;
      return true;
    }
    if (text[i] === '\n') {
      i++;
      line++;
      return true;
    }
    return false;
  };
  const skipRestOfLine = (): void => {
    while (i < text.length && !lineBreak()) i++;
  };

  while (i < text.length) {
    if (text[i] === '#') {
      skipRestOfLine(); // a comment line, whatever it holds
      continue;
    }
    const start = line;
    const fields: string[] = [];
    let blank = true;
    let error: string | undefined;

    // One row: fields until an unquoted line break or the end of the text.
    for (;;) {
      let value = '';
      while (text[i] === ' ' || text[i] === '\t') {
        value += text[i];
        i++;
      }
      if (text[i] === '"') {
        blank = false;
        i++;
        value = '';
        let closed = false;
        while (i < text.length) {
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (ch === '\r' || ch === '\n') {
            const before = i;
            lineBreak();
            value += text.slice(before, i);
            continue;
          }
          value += ch;
          i++;
        }
        if (!closed) {
          error = 'unterminated quoted field';
          break;
        }
        while (text[i] === ' ' || text[i] === '\t') i++;
        if (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
          error = 'unexpected character after a closing quote (quotes inside a field must be doubled)';
          skipRestOfLine();
          break;
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
          if (text[i] === '"') {
            error = 'quote inside an unquoted field (quote the whole field and double the quote)';
            break;
          }
          value += text[i];
          i++;
        }
        if (error) {
          skipRestOfLine();
          break;
        }
        value = value.trim();
        if (value) blank = false;
      }
      fields.push(value);
      if (text[i] === ',') {
        blank = false;
        i++;
        continue;
      }
      lineBreak();
      break;
    }

    if (error) errors.push({ line: start, reason: error });
    else if (!blank) rows.push({ line: start, fields });
  }
  return { rows, errors };
}

/** Quotes a field when it needs it (for writing CSV back, e.g. when the CLI splits a file). */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export const csvLine = (fields: readonly string[]): string => fields.map(csvField).join(',');

// Source maps that cover only the workspace's own code, one segment per line of it. Node with
// --enable-source-maps keeps a bundle's map in memory once it maps a stack trace (a service formats
// one early, for a Kafka rebalance if nothing else), ~100 bytes a segment: the full maps of these
// bundles cost a service 50-75 MB of RSS, nearly all of it for dependencies' code, and the writer's
// own code still held 5.3 MB (48,000 segments, esbuild writes one per token). Kept: the first segment
// of each run that comes from the same line of one of our sources, so a stack frame in our code names
// its TypeScript file and line (not the column within it); a frame in a dependency names the bundle's
// line instead. The writer's map: 48,000 segments -> 11,600.
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...B64].map((c, i) => [c, i]));

function decodeSegment(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of text) {
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new Error(`source map: bad VLQ character ${JSON.stringify(c)}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

function encode(value: number): string {
  let v = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = '';
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += B64[digit];
  } while (v > 0);
  return out;
}

export interface SourceMapV3 {
  version: 3;
  sources: string[];
  names?: string[];
  mappings: string;
  [key: string]: unknown;
}

/**
 * The map with only the segments whose source `keep` accepts, one per run of segments from the same
 * source line (sources and names pruned to those used).
 */
export function filterSourceMap(map: SourceMapV3, keep: (source: string) => boolean): SourceMapV3 {
  const keptSource = map.sources.map((s) => keep(s));
  const lines = map.mappings.split(';');
  // Absolute values while decoding; re-encoded relative to the kept segments only.
  let src = 0;
  let srcLine = 0;
  let srcCol = 0;
  let name = 0;
  const kept: number[][][] = [];
  for (const line of lines) {
    const segments: number[][] = [];
    let col = 0;
    // The segment before, kept or not: a run is broken by any other line, a dependency's included,
    // so a lookup past the run's end never lands in it.
    let before: string | undefined;
    for (const text of line ? line.split(',') : []) {
      const f = decodeSegment(text);
      col += f[0]!;
      if (f.length < 4) {
        before = undefined;
        continue;
      }
      src += f[1]!;
      srcLine += f[2]!;
      srcCol += f[3]!;
      if (f.length >= 5) name += f[4]!;
      const at = `${src}:${srcLine}`;
      if (keptSource[src] && at !== before)
        segments.push(f.length >= 5 ? [col, src, srcLine, srcCol, name] : [col, src, srcLine, srcCol]);
      before = at;
    }
    kept.push(segments);
  }
  const sourceIndex = new Map<number, number>();
  const nameIndex = new Map<number, number>();
  const sources: string[] = [];
  const names: string[] = [];
  for (const segments of kept) {
    for (const s of segments) {
      if (!sourceIndex.has(s[1]!)) {
        sourceIndex.set(s[1]!, sources.length);
        sources.push(map.sources[s[1]!]!);
      }
      if (s.length === 5 && !nameIndex.has(s[4]!)) {
        nameIndex.set(s[4]!, names.length);
        names.push(map.names?.[s[4]!] ?? '');
      }
    }
  }
  let pSrc = 0;
  let pLine = 0;
  let pCol = 0;
  let pName = 0;
  const mappings = kept
    .map((segments) => {
      let pGen = 0;
      return segments
        .map((s) => {
          const si = sourceIndex.get(s[1]!)!;
          let text = encode(s[0]! - pGen) + encode(si - pSrc) + encode(s[2]! - pLine) + encode(s[3]! - pCol);
          pGen = s[0]!;
          pSrc = si;
          pLine = s[2]!;
          pCol = s[3]!;
          if (s.length === 5) {
            const ni = nameIndex.get(s[4]!)!;
            text += encode(ni - pName);
            pName = ni;
          }
          return text;
        })
        .join(',');
    })
    .join(';');
  const { sourcesContent: _dropped, ...rest } = map;
  return { ...rest, version: 3, sources, names, mappings };
}

/** Absolute segments per generated line ([column, source, line, column, name?]), for tests. */
export function decodeMappings(mappings: string): number[][][] {
  let src = 0;
  let srcLine = 0;
  let srcCol = 0;
  let name = 0;
  return mappings.split(';').map((line) => {
    let col = 0;
    return (line ? line.split(',') : []).map((text) => {
      const f = decodeSegment(text);
      col += f[0]!;
      if (f.length < 4) return [col];
      src += f[1]!;
      srcLine += f[2]!;
      srcCol += f[3]!;
      if (f.length >= 5) name += f[4]!;
      return f.length >= 5 ? [col, src, srcLine, srcCol, name] : [col, src, srcLine, srcCol];
    });
  });
}

/** The inverse of decodeMappings. */
export function encodeMappings(lines: number[][][]): string {
  let pSrc = 0;
  let pLine = 0;
  let pCol = 0;
  let pName = 0;
  return lines
    .map((segments) => {
      let pGen = 0;
      return segments
        .map((s) => {
          let text = encode(s[0]! - pGen);
          pGen = s[0]!;
          if (s.length >= 4) {
            text += encode(s[1]! - pSrc) + encode(s[2]! - pLine) + encode(s[3]! - pCol);
            pSrc = s[1]!;
            pLine = s[2]!;
            pCol = s[3]!;
          }
          if (s.length === 5) {
            text += encode(s[4]! - pName);
            pName = s[4]!;
          }
          return text;
        })
        .join(',');
    })
    .join(';');
}

import util from 'node:util';

/**
 * `util.getCallSites()` without source maps unless a caller asks for them.
 *
 * Under `--enable-source-maps` (the production launch) Node maps every call site through the
 * script's source map, parsing it on first use and keeping it: pino calls `util.getCallSites()` in
 * every `pino()` (to resolve transport paths, which needs only the script's own name), and that
 * alone held the writer bundle's parsed map, 4.7 MB of heap, for the life of the process. Stack
 * traces of errors are still mapped: they do not go through this function.
 *
 * Installed by the preload before anything captures the function (pino and fastify take it when
 * they load). The wrapper's own frame is left out, so callers see the frames they would have.
 */
export function unmapCallSites(): void {
  const original = util.getCallSites as unknown as (frames?: number, options?: object) => util.CallSiteObject[];
  if ((original as { unmapped?: true }).unmapped) return;
  const unmapped = (first?: number | object, second?: object): util.CallSiteObject[] => {
    const [frames, options] = typeof first === 'number' ? [first, second] : [undefined, first];
    // Node's default is 10 frames, at most 200; one more for this function's own.
    const sites = original(Math.min((frames ?? 10) + 1, 200), { sourceMap: false, ...options });
    return sites.slice(1);
  };
  Object.assign(unmapped, { unmapped: true });
  util.getCallSites = unmapped as typeof util.getCallSites;
}

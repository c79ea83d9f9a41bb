import { useEffect, useState } from 'preact/hooks';
import { type Api, ApiError, problemOf } from './api.ts';

/** Why a read failed: its message, and whether the service behind it said it is unavailable. */
export interface ReadProblem {
  readonly message: string;
  readonly unavailable: boolean;
}

/**
 * GETs `path` now and every `everyMs` while the component is mounted. Answers the last value read
 * (null until the first) and the last problem, cleared by the next good read. An answer that comes
 * after the component is gone is dropped.
 */
export function usePoll<T>(api: Api, path: string, everyMs: number): { value: T | null; problem: ReadProblem | null } {
  const [value, setValue] = useState<T | null>(null);
  const [problem, setProblem] = useState<ReadProblem | null>(null);
  useEffect(() => {
    let live = true;
    const poll = async () => {
      try {
        const answer = await api.get<T>(path);
        if (!live) return;
        setValue(answer);
        setProblem(null);
      } catch (e) {
        const message = problemOf(e);
        if (live && message) setProblem({ message, unavailable: e instanceof ApiError && e.unavailable });
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), everyMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, path, everyMs]);
  return { value, problem };
}

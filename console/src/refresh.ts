// Polling that stops when its screen goes away (the signal) and pauses while
// the tab is hidden, so a forgotten tab costs the tenant's API nothing.

/** Calls `tick` every `ms` after the previous call settles, until `signal`
 * aborts or `tick` returns false. A tab coming back into view ticks at once. */
export function refreshEvery(ms: number, signal: AbortSignal, tick: () => Promise<boolean | void>): void {
  let timer: number | undefined;
  let running = false;
  const run = async () => {
    timer = undefined;
    if (signal.aborted || running) return;
    if (document.hidden) return; // resumed by visibilitychange
    running = true;
    let again: boolean | void = true;
    try {
      again = await tick();
    } catch {
      // the tick reported its own error; keep polling
    } finally {
      running = false;
    }
    if (again !== false && !signal.aborted) timer = window.setTimeout(run, ms);
    else stop();
  };
  const onVisible = () => {
    if (!document.hidden && timer === undefined && !running) void run();
  };
  const stop = () => {
    if (timer !== undefined) window.clearTimeout(timer);
    timer = undefined;
    document.removeEventListener('visibilitychange', onVisible);
  };
  document.addEventListener('visibilitychange', onVisible);
  signal.addEventListener('abort', stop, { once: true });
  timer = window.setTimeout(run, ms);
}

/** Resolves after `ms`, or rejects with an AbortError when `signal` aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new DOMException('aborted', 'AbortError'));
    const timer = window.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      window.clearTimeout(timer);
      reject(new DOMException('aborted', 'AbortError'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Where progress goes: stderr, and only when it is a terminal. */
export interface ProgressSink {
  isTTY?: boolean;
  write: (text: string) => unknown;
}

/**
 * Runs one section of the bench, saying on a terminal when it starts and when it ends, with how long
 * it took and its headline figure; nothing when stderr is piped (the JSON on stdout is the result).
 */
export async function section<T>(
  name: string,
  run: () => Promise<T> | T,
  figure: (result: T) => string,
  sink: ProgressSink = process.stderr,
  now: () => number = performance.now.bind(performance),
): Promise<T> {
  const show = sink.isTTY === true;
  if (show) sink.write(`▸ ${name}…\n`);
  const started = now();
  const result = await run();
  if (show) sink.write(`✔ ${name} (${((now() - started) / 1000).toFixed(1)} s): ${figure(result)}\n`);
  return result;
}

/**
 * Next run of a daily EventBridge cron (`cron(M H * * ? *)`) in a time zone, for local mode's
 * in-process nightly clean-up. Other expressions are not run locally.
 */
export function nextDailyRun(expression: string, timeZone: string, now: Date): Date | undefined {
  const m = /^cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)$/.exec(expression.trim());
  if (!m) return undefined;
  const minute = Number(m[1]);
  const hour = Number(m[2]);
  // Walk forward minute by minute over at most two days of wall-clock time in the zone: simple and DST-safe.
  const fmt = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const start = Math.ceil((now.getTime() + 1) / 60_000) * 60_000;
  for (let t = start; t < start + 2 * 86_400_000; t += 60_000) {
    const [h, min] = fmt.format(new Date(t)).split(":").map(Number);
    if (h === hour && min === minute) return new Date(t);
  }
  return undefined;
}

/** Runs `task` at every occurrence of the daily cron until stopped. */
export function scheduleDaily(
  expression: string,
  timeZone: string,
  task: () => Promise<void>,
  onError: (e: unknown) => void,
) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    const next = nextDailyRun(expression, timeZone, new Date());
    if (!next || stopped) return;
    timer = setTimeout(() => {
      task().catch(onError).finally(arm);
    }, next.getTime() - Date.now());
    timer.unref();
  };
  arm();
  return {
    next: () => nextDailyRun(expression, timeZone, new Date()),
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

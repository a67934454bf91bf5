import { parseConfig } from "../packages/core/src/config/config";
import { halfElapsedWaitSeconds } from "../packages/core/src/vending/poll";
import { CREATION_FALLBACK_SECONDS } from "../packages/core/src/vending/stages";

/**
 * The assignments' polling curve, from the real schedule (`halfElapsedWaitSeconds`, the default
 * configuration's cap) with real jitter: for an assignment that takes `seconds` to provision, the extra latency
 * (from its end to the check that sees it) and the checks made, over `trials` runs. The first check
 * comes right after CreateAccountAssignment.
 */
export function benchAssignmentPolling(trials: number, durations = [1, 2, 5, 10, 30, 60, 120, 300]) {
  const maxSeconds = parseConfig({}).creation.pollMaxSeconds;
  let halfRuleHeld = true;
  const curve = durations.map((seconds) => {
    let extraTotal = 0;
    let extraMax = 0;
    let checksTotal = 0;
    for (let trial = 0; trial < trials; trial++) {
      let t = 0;
      let checks = 1;
      while (t < seconds) {
        const wait = halfElapsedWaitSeconds(t * 1000, maxSeconds, Math.random);
        if (t >= 2 && wait > t / 2) halfRuleHeld = false;
        t += wait;
        checks++;
      }
      extraTotal += t - seconds;
      extraMax = Math.max(extraMax, t - seconds);
      checksTotal += checks;
    }
    const extraMean = extraTotal / trials;
    return {
      seconds,
      extraMeanS: Math.round(extraMean * 10) / 10,
      extraMaxS: Math.round(extraMax * 10) / 10,
      extraMeanPct: Math.round((extraMean / seconds) * 100),
      checks: Math.round((checksTotal / trials) * 10) / 10,
    };
  });
  return { curve, halfRuleHeld };
}

/**
 * Status calls for a creation of `minutes`, with the event (one check before it, one after) and
 * with it lost (the fallback check every CREATION_FALLBACK_SECONDS), from the definition's constants.
 */
export function creationStatusCalls(minutes = [1, 5, 30]) {
  return minutes.map((m) => ({
    minutes: m,
    withEvent: 2,
    eventLost: 1 + Math.ceil((m * 60) / CREATION_FALLBACK_SECONDS),
  }));
}

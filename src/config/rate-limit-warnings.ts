/** Start-up warnings about per-subject rate limits that are valid but likely not what was meant. */
import type { AppConfig } from './app-config.ts';

/** One warning per limited endpoint whose `none` strategy puts every anonymous caller in one budget. */
export function rateLimitWarnings(config: AppConfig): string[] {
  const warnings: string[] = [];
  for (const endpoint of config.endpoints) {
    if (!endpoint.rate_limit) continue;
    for (const strategy of endpoint.strategies) {
      if (strategy.type !== 'none') continue;
      warnings.push(
        `endpoint "${endpoint.id}": rate_limit is per subject, and every unauthenticated caller is ` +
          `"${strategy.subject}" (strategy "none"), so they all share one budget`,
      );
    }
  }
  return warnings;
}

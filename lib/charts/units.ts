import { Duration, Size } from 'cdk8s';
import { parseBinaryQuantity, parseDuration } from '../support/rules';

/*
 * Config writes sizes and durations as text ("10Gi", "24h"); constructs take cdk8s's Size and Duration.
 * The schema admits only what these convert, so a failure here is a bug, not a user error.
 */

const SIZE_OF_UNIT: Readonly<Record<string, (amount: number) => Size>> = {
  Ki: Size.kibibytes,
  Mi: Size.mebibytes,
  Gi: Size.gibibytes,
  Ti: Size.tebibytes,
  Pi: Size.pebibyte,
};

const DURATION_OF_UNIT: Readonly<Record<string, (amount: number) => Duration>> = {
  s: Duration.seconds,
  m: Duration.minutes,
  h: Duration.hours,
  d: Duration.days,
};

/** The cdk8s Size of a config quantity such as "10Gi". */
export function toSize(quantity: string): Size {
  const parsed = parseBinaryQuantity(quantity);
  if (!parsed) throw new Error(`"${quantity}" is not a whole number of Ki, Mi, Gi, Ti or Pi; write it as, for example, 10Gi`);
  return SIZE_OF_UNIT[parsed.unit](parsed.amount);
}

/** The cdk8s Duration of a config duration such as "24h". */
export function toDuration(text: string): Duration {
  const parsed = parseDuration(text);
  if (!parsed) throw new Error(`"${text}" is not a whole number of s, m, h or d; write it as, for example, 24h`);
  return DURATION_OF_UNIT[parsed.unit](parsed.amount);
}

import { Size } from 'cdk8s';
import { parseBinaryQuantity } from '../config/rules';

const SIZE_OF_UNIT: Readonly<Record<string, (amount: number) => Size>> = {
  Ki: Size.kibibytes,
  Mi: Size.mebibytes,
  Gi: Size.gibibytes,
  Ti: Size.tebibytes,
  Pi: Size.pebibyte,
};

/** The cdk8s Size of a config quantity such as "10Gi"; the schema admits only what this converts. */
export function toSize(quantity: string): Size {
  const parsed = parseBinaryQuantity(quantity);
  if (!parsed) throw new Error(`"${quantity}" is not a whole number of Ki, Mi, Gi, Ti or Pi; write it as, for example, 10Gi`);
  return SIZE_OF_UNIT[parsed.unit](parsed.amount);
}

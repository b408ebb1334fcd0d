/** Money as spec §2: the amount is a decimal string, never a float. */
export interface Money {
  amount: string;
  currency: string;
}

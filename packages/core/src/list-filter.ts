/**
 * A list's filter checked on the items it reads: the item has every value the filter names under
 * `keys` (a key the filter leaves out, undefined, matches anything).
 */
export function agreesOn<F, I>(filter: F, item: I, keys: readonly (keyof F & keyof I)[]): boolean {
  return keys.every((key) => filter[key] === undefined || (filter[key] as unknown) === item[key]);
}

/** Whether `at` lies in [from, to); an absent bound is open. */
export function withinRange(at: Date, from: Date | undefined, to: Date | undefined): boolean {
  return (!from || at >= from) && (!to || at < to);
}

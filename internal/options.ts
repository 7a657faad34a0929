// Checks of numeric options, shared so every component rejects bad settings with the same
// RangeError wording: "<component>: <name> must be …, got <value>".

function fail(component: string, name: string, rule: string, value: number): never {
  throw new RangeError(`${component}: ${name} must be ${rule}, got ${value}`);
}

/** `value` when it is a finite number > 0. */
export function positive(component: string, name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) fail(component, name, "a positive number", value);
  return value;
}

/** `value` when it is a finite number >= 0. */
export function nonNegative(component: string, name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) fail(component, name, "a number >= 0", value);
  return value;
}

/** `value` when it is an integer > 0. */
export function positiveInt(component: string, name: string, value: number): number {
  if (!(Number.isInteger(value) && value > 0)) fail(component, name, "a positive integer", value);
  return value;
}

/** `value` when it lies in (0, 1]. */
export function ratio(component: string, name: string, value: number): number {
  if (!(value > 0 && value <= 1)) fail(component, name, "in (0, 1]", value);
  return value;
}

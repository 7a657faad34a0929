// Kratos's naming of generated helpers: the enum value name in CamelCase, so USER_NOT_FOUND gives
// isUserNotFound / errorUserNotFound in Go and TypeScript alike.

/** `USER_NOT_FOUND` → `UserNotFound`; all-caps words are lower-cased before capitalising. */
export function camelCase(name: string): string {
  return name
    .split("_")
    .filter((word) => word.length > 0)
    .map((word) => {
      const w = /[a-z]/.test(word) ? word : word.toLowerCase();
      return w[0].toUpperCase() + w.slice(1);
    })
    .join("");
}

// Names users choose end up as proto packages, TypeScript identifiers, file names and env var
// prefixes at once, so they are checked here, before any file is written.
import { CliError, USAGE } from "./errors.ts";
import type { TemplateVars } from "./render.ts";

const identifier = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

// Types the project template declares next to the service; a service of the same name would
// collide with them in the generated code.
const templateTypes = new Set([
  "SayHelloRequest",
  "SayHelloReply",
  "GetGreetingRequest",
  "GetGreetingReply",
  "ErrorReason",
]);

/** `user_profile` → `UserProfile`. */
export function pascalCase(name: string): string {
  return name.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}

/** Throws a usage error unless `name` is a lowercase identifier (`shop`, `user_profile`). */
export function checkIdentifier(name: string, what: string): void {
  if (!identifier.test(name)) {
    throw new CliError(
      `invalid ${what} "${name}": use a lowercase identifier (a-z, 0-9 and single "_" between ` +
        `words, starting with a letter), e.g. "shop" or "user_profile"`,
      USAGE,
    );
  }
}

/** Throws a usage error unless `name` can name a generated service (see checkIdentifier). */
export function checkServiceName(name: string): void {
  checkIdentifier(name, "service name");
  const Name = pascalCase(name);
  // A service named like a global (`Map`, `Response`, `Deno`) would shadow it in generated code.
  if (templateTypes.has(Name) || Name in globalThis) {
    throw new CliError(
      `invalid service name "${name}": ${Name} clashes with an existing type; choose another`,
      USAGE,
    );
  }
}

/** The placeholders of a service named `name` in proto package `pkg`. */
export function serviceVars(name: string, pkg: string): TemplateVars {
  return { name, Name: pascalCase(name), NAME: name.toUpperCase(), package: pkg };
}

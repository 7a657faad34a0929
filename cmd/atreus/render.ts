// The template language is only `{{key}}` substitution: templates stay readable as the files
// they produce, and a placeholder the caller did not supply fails loudly instead of leaking
// into a generated project.

/** Values of the placeholders, by key (`name`, `Name`, `NAME`, `package`). */
export type TemplateVars = Readonly<Record<string, string>>;

const placeholder = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Replaces every `{{key}}` in `text`; throws naming `source` for an unknown key. */
export function render(text: string, vars: TemplateVars, source: string): string {
  return text.replace(placeholder, (_, key: string) => {
    if (!Object.hasOwn(vars, key)) {
      throw new Error(`${source}: unknown placeholder {{${key}}}`);
    }
    return vars[key];
  });
}

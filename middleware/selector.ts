// Kratos's selector middleware: apply middleware only to matching operations. Matchers are
// compiled once at build time; regexes must match the whole operation.
import type { CallRequest, Middleware, Next } from "../internal/contract.ts";
import { chain, operation } from "./chain.ts";

/** Decides whether a call's operation is selected. */
export type OperationMatcher = (operation: string, req: CallRequest) => boolean;

/** Builds a middleware that runs `middleware` only for selected operations. */
export class SelectorBuilder {
  readonly #middleware: readonly Middleware[];
  readonly #paths = new Set<string>();
  readonly #prefixes: string[] = [];
  readonly #regexes: RegExp[] = [];
  readonly #predicates: OperationMatcher[] = [];

  /** Use `selector(...)`. */
  constructor(middleware: readonly Middleware[]) {
    this.#middleware = middleware;
  }

  /** Selects exact operations, e.g. `/helloworld.v1.Greeter/SayHello`. */
  path(...operations: string[]): this {
    for (const op of operations) this.#paths.add(op);
    return this;
  }

  /** Selects operations starting with a prefix, e.g. `/helloworld.v1.Greeter/`. */
  prefix(...prefixes: string[]): this {
    this.#prefixes.push(...prefixes);
    return this;
  }

  /** Selects operations fully matching a regular expression (anchored for you). */
  regex(...patterns: (string | RegExp)[]): this {
    for (const p of patterns) {
      const source = typeof p === "string" ? p : p.source;
      try {
        this.#regexes.push(new RegExp(`^(?:${source})$`, typeof p === "string" ? "" : p.flags));
      } catch (error) {
        throw new TypeError(`selector: invalid regex ${JSON.stringify(source)}: ${error}`);
      }
    }
    return this;
  }

  /** Selects operations for which `fn` returns true. */
  match(fn: OperationMatcher): this {
    this.#predicates.push(fn);
    return this;
  }

  /** The middleware: matching calls run through the selected chain, others skip it. */
  build(): Middleware {
    const selected = chain(...this.#middleware);
    const paths = new Set(this.#paths);
    const prefixes = [...this.#prefixes];
    const regexes = [...this.#regexes];
    const predicates = [...this.#predicates];
    const matches = (req: CallRequest) => {
      const op = operation(req);
      return paths.has(op) || prefixes.some((p) => op.startsWith(p)) ||
        regexes.some((r) => r.test(op)) || predicates.some((f) => f(op, req));
    };
    return (next: Next) => {
      const wrapped = selected(next);
      return (req) => (matches(req) ? wrapped(req) : next(req));
    };
  }
}

/** Starts a selector over `middleware` (server or client). */
export function selector(...middleware: Middleware[]): SelectorBuilder {
  return new SelectorBuilder(middleware);
}
